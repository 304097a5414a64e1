/**
 * One vocabulary across commands (issue 9, item 6): a cloud region, a country and a
 * utilisation are read by the same parser in every command that takes one, so a form one
 * command accepts is accepted by all.
 */
import { deepEqual, equal, match, rejects } from "node:assert/strict";
import { runCli } from "../../lib/cli/app.ts";
import { appendixCommandDeps } from "../../lib/cli/commands/appendix.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import { captureContext } from "../helpers/context.ts";
import { writeLogSet } from "../helpers/log_fixtures.ts";
import { tempDir } from "../helpers/temp_dir.ts";
import { parseRunArgv } from "../helpers/run_argv.ts";
import { resolveRunRegion } from "../../lib/run/region.ts";
import { ExitCode, RunError } from "../../lib/run/errors.ts";

const noEnv = { ...denoRuntime, env: () => undefined };

async function cli(args: string[]) {
  const ctx = captureContext(noEnv);
  const code = await runCli(args, ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

async function estimateJson(extra: string[]) {
  const r = await cli(["estimate", "--gpu", "A100", "--hours", "1", "--json", ...extra]);
  equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

Deno.test("a cloud region: provider:region, provider region, or a region id one provider has", async () => {
  // `run --cloud` and `estimate --location` take `aws:eu-west-1`; so does `cloud`.
  const colon = await cli(["cloud", "aws:eu-west-1", "--json"]);
  equal(colon.code, 0, colon.err);
  const spaced = await cli(["cloud", "aws", "eu-west-1", "--json"]);
  const bare = await cli(["cloud", "eu-west-1", "--json"]);
  const upper = await cli(["cloud", "AWS:EU-WEST-1", "--json"]);
  equal(JSON.parse(colon.out).region, "eu-west-1");
  deepEqual(JSON.parse(spaced.out), JSON.parse(colon.out));
  deepEqual(JSON.parse(bare.out), JSON.parse(colon.out));
  deepEqual(JSON.parse(upper.out), JSON.parse(colon.out));
  // A provider and a region that disagree is a usage error, not a silent pick.
  const both = await cli(["cloud", "aws:eu-west-1", "eu-west-2"]);
  equal(both.code, ExitCode.usage);
  // The same forms where a location is asked for.
  const viaEstimate = await estimateJson(["--location", "eu-west-1"]);
  equal(viaEstimate.region.cloud.region, "eu-west-1");
  equal(viaEstimate.pueSource, "cloud");
  const unknown = await cli(["cloud", "aws:eu-west-9"]);
  equal(unknown.code, ExitCode.input);
  match(unknown.err, /Unknown cloud region "aws:eu-west-9"; nearest valid: .*eu-west-1/);
});

Deno.test("a country: alpha-2 or alpha-3, any case, in statement, appendix, estimate and run", async () => {
  await using root = await tempDir();
  await writeLogSet(root.path, [{ cpuWatts: 100, samples: 10, intervalSeconds: 360 }]);
  const statement = async (country: string) => {
    const r = await cli(["statement", root.path, "--country", country, "--format", "json"]);
    equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  const alpha3 = await statement("USA");
  const alpha2 = await statement("US");
  const lower = await statement("us");
  equal(alpha2.country, "USA");
  deepEqual(alpha2, alpha3);
  deepEqual(lower, alpha3);
  // The global figure is still there by its own name.
  equal((await statement("WLD")).country, "WLD");

  const appendix = await appendixCommandDeps.load("DE");
  match(appendix.socialCost!.source, /median for DEU/);

  equal((await estimateJson(["--location", "US"])).country, "USA");
  equal((await estimateJson(["--location", "usa"])).country, "USA");
  // A two-letter code that is also a zone stays that zone.
  equal((await estimateJson(["--location", "DE"])).zone, "DE");

  const run = await resolveRunRegion(
    parseRunArgv(["--country", "us", "--", "true"]),
    () => undefined,
  );
  equal(run.region.country, "USA");
});

Deno.test("an unknown country code lists the nearest codes of its own kind", async () => {
  await using root = await tempDir();
  await writeLogSet(root.path, [{ cpuWatts: 100 }]);
  const two = await cli(["statement", root.path, "--country", "UX"]);
  equal(two.code, ExitCode.input);
  match(two.err, /Unknown country code "UX"; nearest valid codes: [A-Z]{2}(, [A-Z]{2})*\n/);
  match(two.err, /\bUS\b/);
  const three = await cli(["statement", root.path, "--country", "USX"]);
  equal(three.code, ExitCode.input);
  match(three.err, /Unknown country code "USX"; nearest valid codes: .*\bUSA\b/);
  const appendix = await cli([
    "appendix",
    root.path,
    "--site-spec",
    "x.json",
    "--out",
    "site",
    "--country",
    "UX",
  ]);
  equal(appendix.code, ExitCode.input);
  match(appendix.err, /Unknown country code "UX"; nearest valid codes: .*\bUS\b/);
  await rejects(
    () => resolveRunRegion(parseRunArgv(["--country", "UX", "--", "true"]), () => undefined),
    (e) => e instanceof RunError && /nearest valid codes: [A-Z]{2}(, [A-Z]{2})*;/.test(e.message),
  );
});

Deno.test("a utilisation: a fraction, a percentage, or a number of percent", async () => {
  // The help says "0-1 or a percentage": 70 is 70%.
  const forms = await Promise.all(
    ["0.7", "70%", "70", " 70 % "].map((u) =>
      estimateJson(["--location", "DE", "--utilization", u])
    ),
  );
  for (const json of forms) equal(json.itEnergyKwh, forms[0].itEnergyKwh);
  equal(forms[0].itEnergyKwh, (forms[0].gpu.tdpWatts * 0.7) / 1000);
  for (const bad of ["0", "101", "-5%", "lots", "150%"]) {
    const r = await cli([
      "estimate",
      "--gpu",
      "A100",
      "--hours",
      "1",
      "--location",
      "DE",
      "--utilization",
      bad,
    ]);
    equal(r.code, ExitCode.usage, bad);
    match(r.err, /Utilization must be/);
  }
});

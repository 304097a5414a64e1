import { equal, match } from "node:assert/strict";
import { runCli } from "../../lib/cli/app.ts";
import { captureContext } from "../helpers/context.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import { locationOptions } from "../../lib/cli/commands/estimate.ts";

const noEnv = { ...denoRuntime, env: () => undefined };

Deno.test("impact estimate --json is flagged as an estimate and multiplies it out", async () => {
  const ctx = captureContext(noEnv);
  const code = await runCli(
    [
      "estimate",
      "--gpu",
      "A100",
      "--count",
      "2",
      "--hours",
      "10",
      "--location",
      "DE",
      "--utilization",
      "50%",
      "--pue",
      "1.5",
      "--json",
    ],
    ctx,
  );
  equal(code, 0, ctx.err());
  const json = JSON.parse(ctx.out());
  equal(json.estimate, true);
  equal(json.method, "estimate");
  equal(json.zone, "DE");
  const itKwh = (json.gpu.tdpWatts * 2 * 10 * 0.5) / 1000;
  equal(json.itEnergyKwh, itKwh);
  equal(json.energyKwh, itKwh * 1.5);
  equal(json.kgCO2e, (itKwh * 1.5 * json.intensityGramsPerKwh) / 1000);
  equal(json.gpuHours, 20);
});

Deno.test("impact estimate says in words that it is an estimate", async () => {
  const ctx = captureContext(noEnv);
  equal(await runCli(["estimate", "--gpu", "H100", "--hours", "1", "--location", "FRA"], ctx), 0);
  match(ctx.out(), /^ESTIMATE \(not measured\)/);
  match(ctx.out(), /PUE 1\.58 \(default\)/);
  match(ctx.out(), /Zone FR/);
});

Deno.test("a cloud location brings its provider's PUE", async () => {
  const ctx = captureContext(noEnv);
  equal(
    await runCli([
      "estimate",
      "--gpu",
      "V100",
      "--hours",
      "1",
      "--location",
      "aws:eu-west-1",
      "--json",
    ], ctx),
    0,
  );
  const json = JSON.parse(ctx.out());
  equal(json.pueSource, "cloud");
  equal(json.region.cloud.provider, "aws");
});

Deno.test("bad input: unknown GPU or zone-like location is exit 3 with suggestions", async () => {
  const ctx = captureContext(noEnv);
  equal(await runCli(["estimate", "--gpu", "Z9000", "--hours", "1", "--location", "DE"], ctx), 3);
  match(ctx.err(), /Unknown GPU "Z9000"/);
  const ctx2 = captureContext(noEnv);
  equal(await runCli(["estimate", "--gpu", "A100", "--hours", "1", "--location", "QQX"], ctx2), 3);
  match(ctx2.err(), /QQX/);
  const ctx4 = captureContext(noEnv);
  equal(
    await runCli(["estimate", "--gpu", "A100", "--hours", "1", "--location", "US-CAL-CISX"], ctx4),
    3,
  );
  match(ctx4.err(), /US-CAL-CISX.*nearest valid zones: .*US-CAL-CISO/);
  const ctx3 = captureContext(noEnv);
  equal(await runCli(["estimate", "--gpu", "A100", "--hours", "-1", "--location", "DE"], ctx3), 2);
});

Deno.test("--location is read as a cloud region, a zone, a country or an address", () => {
  const zones = new Set(["DE", "US-CAL-CISO"]);
  const known = {
    isZone: (z: string) => zones.has(z.toUpperCase()),
    isCloudRegion: (id: string) => id === "eu-west-1",
  };
  equal(locationOptions("aws:eu-west-1", known).cloud, "aws:eu-west-1");
  equal(locationOptions("eu-west-1", known).cloud, "eu-west-1");
  equal(locationOptions("us-cal-ciso", known).zone, "us-cal-ciso");
  equal(locationOptions("de", known).zone, "de");
  equal(locationOptions("FRA", known).country, "FRA");
  equal(locationOptions("fr", known).country, "fr");
  equal(locationOptions("US-CAL-XXX", known).zone, "US-CAL-XXX");
  equal(locationOptions("Stanford, California", known).address, "Stanford, California");
});

Deno.test("an ambiguous address --location says which place it took; --pick chooses", async () => {
  const ctx = captureContext(noEnv);
  const args = ["estimate", "--gpu", "A100", "--hours", "1", "--location", "Springfield", "--json"];
  equal(await runCli(args, ctx), 0, ctx.err());
  match(ctx.err(), /"Springfield" is ambiguous; using Springfield, Missouri.*\n.*--pick 2: /);
  const illinois = /--pick (\d+): Springfield, Illinois/.exec(ctx.err())!;
  const picked = captureContext(noEnv);
  equal(await runCli([...args, "--pick", illinois[1]!], picked), 0);
  equal(JSON.parse(picked.out()).zone, "US-MIDW-MISO");
  equal(picked.err(), "");
  equal(await runCli([...args, "--pick", "99"], captureContext(noEnv)), 2);
  const zone = ["estimate", "--gpu", "A100", "--hours", "1", "--location", "DE", "--pick", "2"];
  equal(await runCli(zone, captureContext(noEnv)), 2);
});

Deno.test("an address not found lists the closest candidates (exit 3)", async () => {
  const ctx = captureContext(noEnv);
  const code = await runCli(
    ["estimate", "--gpu", "A100", "--hours", "1", "--location", "Stanfrod, Califronia"],
    ctx,
  );
  equal(code, 3);
  match(
    ctx.err(),
    /No place found for "Stanfrod, Califronia"; closest candidates: .*Stanford, California/,
  );
});

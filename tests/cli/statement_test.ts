import { deepEqual, equal, match } from "node:assert/strict";
import { runCli } from "../../lib/cli/app.ts";
import { captureContext } from "../helpers/context.ts";
import { gapRuns, writeLogSet } from "../helpers/log_fixtures.ts";
import { tempDir } from "../helpers/temp_dir.ts";

async function logSet() {
  const root = await tempDir();
  // 400 W for 10 h = 4 kWh at the machine.
  await writeLogSet(root.path, [
    { name: "a", cpuWatts: 100, gpuWatts: [300], samples: 10, intervalSeconds: 3600, zone: "FR" },
  ]);
  return root;
}

Deno.test(
  "impact statement --format json: the contract, with the embedded tables",
  async () => {
    await using root = await logSet();
    const ctx = captureContext();
    equal(
      await runCli(
        ["statement", root.path, "--country", "usa", "--format", "json", "--pue", "1.5"],
        ctx,
      ),
      0,
    );
    const json = JSON.parse(ctx.out());
    equal(json.energyKwh, 6);
    equal(json.pue, 1.5);
    equal(json.zone, "FR");
    equal(json.country, "USA");
    equal(json.hours, 10);
    equal(json.measuredFraction, 1);
    equal(json.runs, 1);
    equal(typeof json.intensityYear, "number");
    equal(json.kgCO2e, Math.round(6 * json.intensityGramsPerKwh * 1e4) / 1e7);
    // The social cost is tonnes x the USA's figures (2005 US$).
    const sc = json.socialCostUsd2005;
    equal(sc.p16_7 <= sc.p50 && sc.p50 <= sc.p83_3, true);
  },
);

Deno.test(
  "impact statement defaults to text and names the country, source and citations",
  async () => {
    await using root = await logSet();
    const ctx = captureContext();
    equal(await runCli(["statement", root.path, "--country", "DEU"], ctx), 0);
    match(ctx.out(), /used 6\.32 kWh of electricity, including a PUE of 1\.58/);
    match(ctx.out(), /The social cost of these emissions for DEU is/);
    match(ctx.out(), /@article\{ricke2018country/);
  },
);

Deno.test("impact statement --format latex escapes and cites", async () => {
  await using root = await logSet();
  const ctx = captureContext();
  equal(await runCli(["statement", root.path, "--country", "FRA", "--format", "latex"], ctx), 0);
  match(ctx.out(), /\\paragraph\{Carbon impact statement\}/);
  match(ctx.out(), /CO\$_2\$e/);
  match(ctx.out(), /\\cite\{henderson2020towards\}/);
});

Deno.test(
  "an unknown country code is exit 3 with the nearest valid codes",
  async () => {
    await using root = await logSet();
    const ctx = captureContext();
    equal(await runCli(["statement", root.path, "--country", "USX"], ctx), 3);
    match(ctx.err(), /USX.*nearest valid codes: .*USA/);
  },
);

Deno.test("--country is required and --format is checked", async () => {
  const ctx = captureContext();
  equal(await runCli(["statement", "."], ctx), 2);
  match(ctx.err(), /--country/);
  const ctx2 = captureContext();
  equal(await runCli(["statement", ".", "--country", "USA", "--format", "pdf"], ctx2), 2);
});

Deno.test("impact statement over runs with gaps says so in every format", async () => {
  await using root = await tempDir();
  await writeLogSet(root.path, gapRuns());
  const outputs: Record<string, string> = {};
  for (const format of ["text", "markdown", "latex", "json"]) {
    const ctx = captureContext();
    const argv = ["statement", root.path, "--country", "FRA", "--format", format];
    equal(await runCli(argv, ctx), 0, ctx.err());
    outputs[format] = ctx.out();
  }
  for (const format of ["text", "markdown", "latex"]) {
    match(outputs[format]!, /For 2 of 3 runs, a device was not measured for part of the run/);
    match(outputs[format]!, /The energy of those stretches is not included in these figures\./);
  }
  const json = JSON.parse(outputs.json!);
  equal(json.runsWithGaps, 2);
  equal(json.unmeasuredDeviceHours, 0.25);
  deepEqual(json.gaps.map((g: { device: string }) => g.device), ["gpu-1", "package-0"]);
});

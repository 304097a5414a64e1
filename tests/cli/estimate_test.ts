import { equal, match } from "node:assert/strict";
import { runCli } from "../../lib/cli/app.ts";
import { captureContext } from "../helpers/context.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import { locationOptions, parseUtilization } from "../../lib/cli/commands/estimate.ts";

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
  const isZone = (z: string) => zones.has(z.toUpperCase());
  equal(locationOptions("aws:eu-west-1", isZone).cloud, "aws:eu-west-1");
  equal(locationOptions("us-cal-ciso", isZone).zone, "us-cal-ciso");
  equal(locationOptions("FRA", isZone).country, "FRA");
  equal(locationOptions("US-CAL-XXX", isZone).zone, "US-CAL-XXX");
  equal(locationOptions("Stanford, California", isZone).address, "Stanford, California");
  equal(parseUtilization("60%"), 0.6);
  equal(parseUtilization("0.25"), 0.25);
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

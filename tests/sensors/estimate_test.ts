import { deepEqual, equal, match, ok } from "node:assert/strict";
import { denoRuntime, type Runtime, systemPaths } from "../../lib/runtime.ts";
import { findCpuTdp, normaliseCpuModel, type TdpTable } from "../../lib/sensors/cpu_tdp.ts";
import {
  cpuPowerFraction,
  createCpuEstimateSensor,
  genericCpuPowerWatts,
} from "../../lib/sensors/estimate.ts";
import { join } from "node:path";
import { discoverSensors } from "../../lib/sensors/registry.ts";
import { doctorVerdict, formatDoctor } from "../../lib/cli/commands/doctor.ts";
import { createFakeProc, fakeCpuinfo } from "../helpers/fake_procfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";
import table from "../../data/cpu_tdp.json" with { type: "json" };
import { readEnergies } from "../helpers/fake_sensors.ts";

const small: TdpTable = {
  source: "test",
  sources: ["test table"],
  rows: [
    ["Intel Xeon Gold 6248", 150, 0],
    ["Intel Xeon Gold 6248R", 205, 0],
    ["AMD EPYC 7763", 280, 0],
    ["AMD EPYC 7B12", 240, 0],
    ["Intel Core i7-8650U", 15, 0],
    ["Intel Xeon Platinum 8573C", 300, 0],
    ["AMD EPYC", 999, 0],
  ],
};

Deno.test("model strings from /proc/cpuinfo are normalised to the table's names", () => {
  equal(normaliseCpuModel("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"), "intel xeon gold 6248");
  equal(normaliseCpuModel("AMD EPYC 7763 64-Core Processor"), "amd epyc 7763");
  equal(normaliseCpuModel("INTEL(R) XEON(R) PLATINUM 8573C"), "intel xeon platinum 8573c");
  equal(normaliseCpuModel("Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz"), "intel core i7-8650u");
});

Deno.test("TDP matching is robust to vendor decorations and strict on model numbers", () => {
  const tdp = (model: string) => findCpuTdp(model, small)?.tdpWatts;
  equal(tdp("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"), 150);
  equal(tdp("Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz"), 205, "6248R is not a 6248");
  equal(tdp("AMD EPYC 7763 64-Core Processor"), 280);
  equal(tdp("INTEL(R) XEON(R) PLATINUM 8573C"), 300);
  equal(tdp("Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz"), 15);
  const custom = findCpuTdp("AMD EPYC 7B12 / AMD EPYC 7B13", small);
  deepEqual([custom?.tdpWatts, custom?.match], [240, "model-number"]);
  equal(findCpuTdp("Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", small), undefined);
  equal(findCpuTdp("AMD EPYC 9R14", small), undefined, "no bare-vendor fallback");
});

Deno.test("the shipped table has its provenance and knows common server and laptop CPUs", () => {
  match(table.source, /@grnsft\/if-plugins@0\.3\.2/);
  match(table.licence, /MIT/);
  ok(!table.sources.some((s) => s.startsWith("data.csv")), "the CC BY-NC data.csv is not used");
  equal(findCpuTdp("AMD EPYC 7763 64-Core Processor")?.tdpWatts, 280);
  equal(findCpuTdp("Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz")?.tdpWatts, 15);
  equal(findCpuTdp("AMD EPYC 9654 96-Core Processor")?.tdpWatts, 360);
});

Deno.test("the power curve has an idle floor and reaches TDP at full load", () => {
  equal(cpuPowerFraction(0), 0.12);
  equal(cpuPowerFraction(1), 1.02);
  equal(Math.round(cpuPowerFraction(0.3) * 1000) / 1000, 0.535);
  equal(cpuPowerFraction(-1), 0.12);
  equal(cpuPowerFraction(7), 1.02);
});

Deno.test("energy is TDP x curve(utilisation) x time on the sensor's clock, per socket", async () => {
  let clockMs = 1000;
  let utilization = 0.5;
  const runtime: Runtime = { ...denoRuntime, monotonicMs: () => clockMs };
  const sensor = createCpuEstimateSensor({
    runtime,
    cpu: { model: "AMD EPYC 7763 64-Core Processor", sockets: 2 },
    utilization: () => utilization,
  });
  const status = await sensor.probe();
  equal(status.available, true);
  deepEqual(status.methods, ["estimate"]);
  deepEqual(status.devices, ["package-0", "package-1"]);
  equal(status.detail?.tdpWatts, 280);
  equal(status.detail?.matched, "AMD EPYC 7763");
  match(String(status.detail?.source), /CodeCarbon|Boavizta/);
  await sensor.start();
  clockMs += 10_000; // 10 s at 50%: 0.75 x 280 W = 210 W per socket
  let readings = await readEnergies(sensor);
  deepEqual(readings.map((r) => [r.device, r.method, r.energyJoules]), [
    ["package-0", "estimate", 2100],
    ["package-1", "estimate", 2100],
  ]);
  utilization = 1;
  clockMs += 5_000; // 5 s at 100%: 1.02 x 280 W
  readings = await readEnergies(sensor);
  equal(Math.round(readings[0]!.energyJoules * 1000) / 1000, 2100 + 5 * 285.6);
  equal(readings[0]!.powerWatts, 1.02 * 280);
});

Deno.test("an unknown CPU model falls back to a generic per-thread figure and says so", async () => {
  let clockMs = 0;
  let utilization = 0;
  const runtime: Runtime = { ...denoRuntime, monotonicMs: () => clockMs };
  const sensor = createCpuEstimateSensor({
    runtime,
    cpu: { model: "AMD EPYC", sockets: 2, threads: 8 },
    utilization: () => utilization,
  });
  const status = await sensor.probe();
  equal(status.available, true);
  deepEqual(status.methods, ["estimate"]);
  deepEqual(status.devices, ["package-0", "package-1"]);
  match(status.reason ?? "", /"AMD EPYC" is not in the TDP table/);
  match(status.reason ?? "", /generic 0\.74-3\.5 W per thread/);
  match(String(status.detail?.source), /Cloud Carbon Footprint/);
  equal(status.detail?.generic, true);
  await sensor.start();
  clockMs += 10_000; // idle: 8 threads x 0.74 W = 5.92 W, half per socket
  let readings = await readEnergies(sensor);
  equal(Math.round(readings[0]!.energyJoules * 1000) / 1000, 29.6);
  equal(readings[0]!.method, "estimate");
  utilization = 1;
  clockMs += 10_000; // full load: 8 x 3.5 W = 28 W, 14 W per socket
  readings = await readEnergies(sensor);
  equal(Math.round(readings[1]!.energyJoules * 1000) / 1000, 29.6 + 140);
  equal(genericCpuPowerWatts(8, 0.5), 8 * (0.74 + 0.5 * 2.76));
});

Deno.test("no model name at all also uses the generic figure, saying the model is unknown", async () => {
  const sensor = createCpuEstimateSensor({ runtime: denoRuntime, cpu: {}, utilization: () => 0 });
  const status = await sensor.probe();
  equal(status.available, true);
  match(status.reason ?? "", /CPU model is unknown/);
});

Deno.test("a machine with no counter and an unknown CPU is estimated, and impact doctor says how", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), {
    cpuinfo: fakeCpuinfo({ model: "AMD EPYC" }),
  });
  const env: Record<string, string> = {
    IMPACT_SYSFS_ROOT: join(dir.path, "empty-sys"),
    IMPACT_PROCFS_ROOT: proc.root,
    IMPACT_NVIDIA_SMI: join(dir.path, "none"),
    IMPACT_NVML_LIB: join(dir.path, "none.so"),
  };
  const runtime: Runtime = { ...denoRuntime, env: (name) => env[name] };
  const d = await discoverSensors(runtime, systemPaths(runtime), { intervalMs: 1000, os: "linux" });
  try {
    deepEqual(d.sensors.map((s) => s.name), ["estimate"]);
    const text = formatDoctor({
      hardware: { cpu: d.cpu, gpus: d.gpus },
      sensors: d.statuses,
      verdict: doctorVerdict(d.statuses),
    });
    match(text, /ok +estimate \[estimate\]/);
    match(text, /"AMD EPYC" is not in the TDP table.*generic 0\.74-3\.5 W per thread/);
    match(text, /CPU energy is an estimate, not a measurement/);
  } finally {
    await d.close();
  }
});

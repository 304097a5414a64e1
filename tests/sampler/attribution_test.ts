import { deepEqual, equal } from "node:assert/strict";
import { attributeDevices, cpuTimeShare, gpuShareOfJob } from "../../lib/sampler/attribution.ts";
import { resolveGpus } from "../../lib/sensors/gpu_visibility.ts";
import type { DeviceEnergy } from "../../lib/types.ts";

const reading = (component: DeviceEnergy["component"], device: string): DeviceEnergy => ({
  component,
  device,
  method: "counter",
  energyJoules: 0,
});

Deno.test("cpu time share is job/busy, clamped to [0, 1], 0 on an idle machine", () => {
  equal(cpuTimeShare(1, 4), 0.25);
  equal(cpuTimeShare(5, 4), 1);
  equal(cpuTimeShare(-1, 4), 0);
  equal(cpuTimeShare(1, 0), 0);
});

Deno.test("cpu-time-share: CPU/DRAM/psys scaled by share, used GPU whole, unused GPU 0", () => {
  const deltas = [
    { reading: reading("cpu", "package-0"), energyJoules: 100, seconds: 2 },
    { reading: reading("dram", "dram-0"), energyJoules: 10, seconds: 2 },
    { reading: reading("psys", "psys"), energyJoules: 40, seconds: 2 },
    { reading: reading("gpu", "gpu-0"), energyJoules: 300, seconds: 2 },
    { reading: reading("gpu", "gpu-1"), energyJoules: 60, seconds: 2 },
  ];
  const out = attributeDevices(deltas, "cpu-time-share", 0.25, new Map([["gpu-0", 1]]));
  deepEqual(out.map((d) => d.attributedEnergyJoules), [25, 2.5, 10, 300, 0]);
  deepEqual(out.map((d) => d.machineEnergyJoules), [100, 10, 40, 300, 60]);
  deepEqual(out.map((d) => d.powerWatts), [50, 5, 20, 150, 30]);
  deepEqual(out.map((d) => d.usedByJob), [undefined, undefined, undefined, true, false]);
  const whole = attributeDevices(deltas, "whole-machine", 0.25, new Map());
  deepEqual(whole.map((d) => d.attributedEnergyJoules), [100, 10, 40, 300, 60]);
});

Deno.test("a GPU is the job's when a job pid runs on it or its settings name it, with their share", () => {
  const gpu0 = { ...reading("gpu", "gpu-0"), processIds: [10, 11], uuid: "GPU-aaaa-1111" };
  const gpu1 = { ...reading("gpu", "gpu-1"), uuid: "GPU-bbbb-2222" };
  equal(gpuShareOfJob(gpu0, new Set([11]), undefined), 1);
  equal(gpuShareOfJob(gpu0, new Set([12]), undefined), 0);
  const gpus = [
    { index: 0, uuid: "GPU-aaaa-1111" },
    {
      index: 1,
      uuid: "GPU-bbbb-2222",
      migDevices: [{ uuid: "MIG-cc", index: 0, share: 0.25, shareBasis: "33 of 132 SMs" }],
    },
  ];
  const visible = (value: string) =>
    resolveGpus({ env: (name) => name === "CUDA_VISIBLE_DEVICES" ? value : undefined, gpus });
  equal(gpuShareOfJob(gpu1, new Set(), visible("1")), 1);
  equal(gpuShareOfJob(gpu1, new Set(), visible("GPU-bbbb")), 1);
  equal(gpuShareOfJob(gpu1, new Set(), visible("0")), 0);
  // A MIG slice: its share of the GPU, not the whole GPU, even with the job's pid on it.
  equal(gpuShareOfJob({ ...gpu1, processIds: [10] }, new Set([10]), visible("MIG-cc")), 0.25);
  // CUDA stops at the first invalid entry, and an empty value hides every GPU.
  equal(gpuShareOfJob(gpu1, new Set(), visible("0,-1,1")), 0);
  equal(gpuShareOfJob(gpu0, new Set(), visible("")), 0);
  const shares = attributeDevices(
    [{ reading: gpu1, energyJoules: 200, seconds: 1 }],
    "cpu-time-share",
    1,
    new Map([["gpu-1", 0.25]]),
  );
  deepEqual(shares.map((d) => [d.attributedEnergyJoules, d.usedByJob]), [[50, true]]);
});

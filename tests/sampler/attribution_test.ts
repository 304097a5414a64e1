import { deepEqual, equal } from "node:assert/strict";
import { attributeDevices, cpuTimeShare, gpuUsedByJob } from "../../lib/sampler/attribution.ts";
import { visibleGpuIndices } from "../../lib/sensors/gpu_visibility.ts";
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
  const out = attributeDevices(deltas, "cpu-time-share", 0.25, new Set(["gpu-0"]));
  deepEqual(out.map((d) => d.attributedEnergyJoules), [25, 2.5, 10, 300, 0]);
  deepEqual(out.map((d) => d.machineEnergyJoules), [100, 10, 40, 300, 60]);
  deepEqual(out.map((d) => d.powerWatts), [50, 5, 20, 150, 30]);
  deepEqual(out.map((d) => d.usedByJob), [undefined, undefined, undefined, true, false]);
  const whole = attributeDevices(deltas, "whole-machine", 0.25, new Set());
  deepEqual(whole.map((d) => d.attributedEnergyJoules), [100, 10, 40, 300, 60]);
});

Deno.test("a GPU is the job's when a job pid runs on it or CUDA_VISIBLE_DEVICES names it", () => {
  const gpu0 = { ...reading("gpu", "gpu-0"), processIds: [10, 11], uuid: "GPU-aaaa-1111" };
  const gpu1 = { ...reading("gpu", "gpu-1"), uuid: "GPU-bbbb-2222" };
  equal(gpuUsedByJob(gpu0, new Set([11]), undefined), true);
  equal(gpuUsedByJob(gpu0, new Set([12]), undefined), false);
  const gpus = [{ index: 0, uuid: "GPU-aaaa-1111" }, { index: 1, uuid: "GPU-bbbb-2222" }];
  const visible = (value: string) =>
    new Set(visibleGpuIndices(value, gpus).map((index) => `gpu-${index}`));
  equal(gpuUsedByJob(gpu1, new Set(), visible("1")), true);
  equal(gpuUsedByJob(gpu1, new Set(), visible("GPU-bbbb")), true);
  equal(gpuUsedByJob(gpu1, new Set(), visible("0")), false);
  // CUDA stops at the first invalid entry, and an empty value hides every GPU.
  equal(gpuUsedByJob(gpu1, new Set(), visible("0,-1,1")), false);
  equal(gpuUsedByJob(gpu0, new Set(), visible("")), false);
});

import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { createSampler } from "../../lib/sampler/sampler.ts";
import type { SampleRecord } from "../../lib/log/schema.ts";
import { addSample, emptySummaryState } from "../../lib/log/summarize.ts";
import { SensorError } from "../../lib/sensors/types.ts";
import { FakeSensor, fakeUsage, virtualRuntime } from "../helpers/fake_sensors.ts";

function stopAfter(n: number, records: SampleRecord[], controller: AbortController) {
  return (r: SampleRecord) => {
    records.push(r);
    if (records.length === n) controller.abort();
  };
}

Deno.test("sampler diffs counters into interval energy and attributes it to the job", async () => {
  const runtime = virtualRuntime();
  const rapl = new FakeSensor("rapl", runtime, [
    { component: "cpu", device: "package-0", powerWatts: 80 },
    { component: "dram", device: "dram-0", powerWatts: 8 },
  ]);
  const gpus = new FakeSensor("nvidia-smi", runtime, [
    {
      component: "gpu",
      device: "gpu-0",
      powerWatts: 250,
      method: "integrated",
      processIds: [4242],
    },
    { component: "gpu", device: "gpu-1", powerWatts: 60, method: "integrated" },
  ]);
  const records: SampleRecord[] = [];
  const controller = new AbortController();
  const sampler = createSampler({
    runtime,
    sensors: [rapl, gpus],
    usage: fakeUsage(runtime, { jobCpus: 1, busyCpus: 4, cpus: 8, pids: [4242] }),
    rootPid: 4242,
    intervalMs: 1000,
    attribution: "cpu-time-share",
    onSample: stopAfter(5, records, controller),
  });
  await sampler.start();
  await sampler.run(controller.signal);
  equal(records.length, 6); // five ticks and the last sample on stop
  const first = records[0]!;
  equal(first.intervalSeconds, 1);
  equal(first.cpu.jobShare, 0.25);
  equal(first.cpu.utilization, 0.5);
  equal(first.cpu.jobCpuSeconds, 1);
  deepEqual(first.devices.map((d) => d.machineEnergyJoules), [80, 8, 250, 60]);
  deepEqual(first.devices.map((d) => d.attributedEnergyJoules), [20, 2, 250, 0]);
  // The sampler keeps no totals: the records it handed on carry them.
  const state = records.reduce(addSample, emptySummaryState());
  equal(state.machineEnergyJoules, (80 + 8 + 250 + 60) * 5);
  equal(state.attributedEnergyJoules, (20 + 2 + 250) * 5);
  ok(rapl.started && gpus.started);
  equal(sampler.latest(), records.at(-1));
});

Deno.test("ticks stay on the grid when reads are slow (no drift)", async () => {
  const runtime = virtualRuntime();
  const slow = new FakeSensor("slow", runtime, [{
    component: "cpu",
    device: "package-0",
    powerWatts: 10,
  }]);
  const read = slow.read.bind(slow);
  slow.read = () => {
    runtime.advance(30);
    return read();
  };
  const records: SampleRecord[] = [];
  const controller = new AbortController();
  const sampler = createSampler({
    runtime,
    sensors: [slow],
    rootPid: 1,
    intervalMs: 500,
    attribution: "whole-machine",
    onSample: stopAfter(4, records, controller),
  });
  await sampler.start();
  await sampler.run(controller.signal);
  // Each interval is stamped when its reads are issued: exactly on the 500 ms grid from the
  // baseline (after a 30 ms warm-up read), although every read takes 30 ms.
  deepEqual(records.slice(0, 4).map((r) => Date.parse(r.t) - Date.parse("2026-01-01T00:00:00Z")), [
    530,
    1030,
    1530,
    2030,
  ]);
  // Energy is exact whatever the timing: 10 W over the time up to the last read.
  const total = records.reduce((s, r) => s + r.devices[0]!.machineEnergyJoules, 0);
  // The baseline read (its value taken at 60 ms) and the last, on stop (issued at 2060 ms,
  // value at 2090 ms), bound it.
  equal(Math.round(total * 1000) / 1000, 20.3); // 10 W x (2.09 s - 0.06 s)
});

Deno.test("interval is shortened to the smallest sensor maximum", () => {
  const runtime = virtualRuntime();
  const s = new FakeSensor("rapl", runtime, [], { maxReadMs: 250 });
  const sampler = createSampler({
    runtime,
    sensors: [s],
    rootPid: 1,
    intervalMs: 1000,
    attribution: "whole-machine",
  });
  equal(sampler.intervalMs, 250);
});

Deno.test("a sensor failure stops sampling and is rethrown, not a silent zero", async () => {
  const runtime = virtualRuntime();
  const s = new FakeSensor("rapl", runtime, [{
    component: "cpu",
    device: "package-0",
    powerWatts: 10,
  }], {
    failOnRead: 5, // a warm-up read and the baseline read come first
  });
  const records: SampleRecord[] = [];
  const sampler = createSampler({
    runtime,
    sensors: [s],
    rootPid: 1,
    intervalMs: 1000,
    attribution: "whole-machine",
    onSample: (r) => void records.push(r),
  });
  await sampler.start();
  await rejects(sampler.run(new AbortController().signal), (e: Error) => e instanceof SensorError);
  equal(records.length, 2);
});

Deno.test("a CUDA_VISIBLE_DEVICES GPU counts whole without a process on it", async () => {
  const runtime = virtualRuntime();
  const gpus = new FakeSensor("nvidia-smi", runtime, [
    { component: "gpu", device: "gpu-0", powerWatts: 50 },
    { component: "gpu", device: "gpu-1", powerWatts: 70 },
  ]);
  const records: SampleRecord[] = [];
  const controller = new AbortController();
  const sampler = createSampler({
    runtime,
    sensors: [gpus],
    usage: fakeUsage(runtime, { jobCpus: 1, busyCpus: 1, cpus: 2 }),
    rootPid: 1,
    intervalMs: 1000,
    attribution: "cpu-time-share",
    cudaVisibleDevices: "1",
    onSample: stopAfter(1, records, controller),
  });
  await sampler.start();
  await sampler.run(controller.signal);
  deepEqual(records[0]!.devices.map((d) => d.attributedEnergyJoules), [0, 70]);
});

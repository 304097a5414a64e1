import { deepEqual, equal, ok } from "node:assert/strict";
import { createSampler } from "../../lib/sampler/sampler.ts";
import { resolveGpus } from "../../lib/sensors/gpu_visibility.ts";
import type { SampleRecord } from "../../lib/log/schema.ts";
import { addSample, emptySummaryState, summarizeSamples } from "../../lib/log/summarize.ts";
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

/** Runs a sampler over `sensors` at 1 s on a virtual clock for `n` ticks (and the last sample). */
async function sampleTicks(sensors: FakeSensor[], n: number, runtime = virtualRuntime()) {
  const records: SampleRecord[] = [];
  const controller = new AbortController();
  const sampler = createSampler({
    runtime,
    sensors,
    rootPid: 1,
    intervalMs: 1000,
    attribution: "whole-machine",
    onSample: stopAfter(n, records, controller),
  });
  await sampler.start();
  await sampler.run(controller.signal);
  return records;
}

/** Each record's energy of one device, or its gap reason. */
const seriesOf = (records: SampleRecord[], device: string) =>
  records.map((r) =>
    r.devices.find((d) => d.device === device)?.machineEnergyJoules ??
      r.gaps?.find((g) => g.device === device)?.reason
  );

const meta = {
  start: "2026-01-01T00:00:00.000Z",
  end: "2026-01-01T00:00:10.000Z",
  exitCode: 0,
  attribution: "whole-machine" as const,
};

Deno.test("a device that fails is a gap; the others are measured and its baseline is retaken", async () => {
  const runtime = virtualRuntime();
  // Reads 1 and 2 are the warm-up and the baseline; ticks read from 3 on.
  const rapl = new FakeSensor("rapl", runtime, [
    { component: "cpu", device: "package-0", powerWatts: 10 },
    { component: "dram", device: "dram-0", powerWatts: 2 },
  ], {
    deviceFailures: (read) => read === 4 || read === 5 ? { "dram-0": "energy_uj: EIO" } : {},
  });
  const records = await sampleTicks([rapl], 5, runtime);
  deepEqual(seriesOf(records, "package-0"), [10, 10, 10, 10, 10, 0]);
  // Failed twice, then its first good read is the new baseline: the 3 s it was away are a gap,
  // never 6 J guessed into the interval after it.
  deepEqual(seriesOf(records, "dram-0"), [
    2,
    "energy_uj: EIO",
    "energy_uj: EIO",
    "energy_uj: EIO",
    2,
    0,
  ]);
  const summary = summarizeSamples(records, meta);
  deepEqual(summary.gaps, [{
    component: "dram",
    device: "dram-0",
    from: "2026-01-01T00:00:01.000Z",
    to: "2026-01-01T00:00:04.000Z",
    seconds: 3,
    reason: "energy_uj: EIO",
  }]);
  deepEqual(summary.components.map((c) => [c.device, c.machineEnergyJoules, c.unmeasuredSeconds]), [
    ["package-0", 50, 0],
    ["dram-0", 4, 3],
  ]);
});

Deno.test("a sensor whose read rejects fails every device it reported, and is read again", async () => {
  const runtime = virtualRuntime();
  const rapl = new FakeSensor("rapl", runtime, [
    { component: "cpu", device: "package-0", powerWatts: 10 },
    { component: "dram", device: "dram-0", powerWatts: 2 },
  ], { rejectReads: (read) => read === 4 });
  const other = new FakeSensor("nvml", runtime, [
    { component: "gpu", device: "gpu-0", powerWatts: 100 },
  ]);
  const records = await sampleTicks([rapl, other], 4, runtime);
  const reason = "rapl: energy_uj vanished";
  deepEqual(seriesOf(records, "package-0"), [10, reason, reason, 10, 0]);
  deepEqual(seriesOf(records, "dram-0"), [2, reason, reason, 2, 0]);
  deepEqual(seriesOf(records, "gpu-0"), [100, 100, 100, 100, 0]);
  equal(rapl.reads, 2 + 5); // read every tick, failing or not
});

Deno.test("a restartable sensor is restarted with back-off (1 s, 2 s, 4 s) beside the ticks", async () => {
  const runtime = virtualRuntime();
  const smi: FakeSensor = new FakeSensor("nvidia-smi", runtime, [
    { component: "gpu", device: "gpu-0", powerWatts: 100, method: "integrated" },
  ], {
    restartable: true,
    // The stream dies at the second tick and again after the first two restarts.
    rejectReads: (read) => read >= 4 && smi.restarts.length < 3,
  });
  const rapl = new FakeSensor("rapl", runtime, [
    { component: "cpu", device: "package-0", powerWatts: 10 },
  ]);
  const records = await sampleTicks([smi, rapl], 13, runtime);
  // Failed at 2 s: restarts at 3 s (1 s later), 6 s (2 s after the read at 4 s failed) and
  // 11 s (4 s after the read at 7 s failed); the read at 12 s is good and is the new baseline.
  deepEqual(smi.restarts, [3000, 6000, 11000]);
  const reason = "nvidia-smi: energy_uj vanished";
  deepEqual(seriesOf(records, "gpu-0"), [100, ...Array(11).fill(reason), 100, 0]);
  // The other sensor was never held up.
  deepEqual(seriesOf(records, "package-0"), [...Array(13).fill(10), 0]);
  deepEqual(records.map((r) => r.intervalSeconds), [...Array(13).fill(1), 0]);
  const summary = summarizeSamples(records, { ...meta, end: "2026-01-01T00:00:13.000Z" });
  deepEqual(summary.gaps?.map((g) => [g.device, g.from, g.to, g.seconds]), [
    ["gpu-0", "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:12.000Z", 11],
  ]);
});

Deno.test("a reading the sensor rebased (a counter reset) is a gap for that interval only", async () => {
  const runtime = virtualRuntime();
  const nvml = new FakeSensor("nvml", runtime, [
    { component: "gpu", device: "gpu-0", powerWatts: 50 },
  ], { rebased: (read) => read === 4 ? { "gpu-0": "energy counter went back" } : {} });
  const records = await sampleTicks([nvml], 3, runtime);
  deepEqual(seriesOf(records, "gpu-0"), [50, "energy counter went back", 50, 0]);
});

Deno.test("a GPU the job's settings name counts whole without a process on it", async () => {
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
    gpuSelection: resolveGpus({
      env: (name) => name === "CUDA_VISIBLE_DEVICES" ? "1" : undefined,
      gpus: [{ index: 0 }, { index: 1 }],
    }),
    onSample: stopAfter(1, records, controller),
  });
  await sampler.start();
  await sampler.run(controller.signal);
  deepEqual(records[0]!.devices.map((d) => d.attributedEnergyJoules), [0, 70]);
});

Deno.test("a sensor that hands on NaN, Infinity or negative figures gets gaps, never a NaN in a record", async () => {
  const runtime = virtualRuntime();
  const broken = new FakeSensor("hwmon", runtime, [
    { component: "cpu", device: "package-0", powerWatts: 10 },
    { component: "gpu", device: "gpu-0", powerWatts: 100 },
  ], {
    tamper(read, reading) {
      if (reading.device === "package-0" && read === 4) reading.energyJoules = NaN;
      if (reading.device === "package-0" && read === 6) reading.energyJoules = Infinity;
      if (reading.device === "gpu-0" && read === 4) reading.powerWatts = -300;
      if (reading.device === "gpu-0") reading.utilization = NaN;
    },
  });
  const records = await sampleTicks([broken], 6, runtime);
  deepEqual(seriesOf(records, "package-0"), [
    10,
    "hwmon handed on package-0's cumulative energy NaN J is not an energy",
    "hwmon handed on package-0's cumulative energy NaN J is not an energy", // its new baseline
    "hwmon handed on package-0's cumulative energy Infinity J is not an energy",
    "hwmon handed on package-0's cumulative energy Infinity J is not an energy",
    10,
    0,
  ]);
  deepEqual(seriesOf(records, "gpu-0"), [
    100,
    "hwmon handed on gpu-0's power -300 W is not a power",
    "hwmon handed on gpu-0's power -300 W is not a power",
    100,
    100,
    100,
    0,
  ]);
  const text = JSON.stringify(records);
  ok(!text.includes("null"), "no NaN or Infinity became null");
  ok(
    records.every((r) => r.devices.every((d) => !("utilization" in d))),
    "NaN utilisation left out",
  );
});

Deno.test("a step back without a rebase, or above 100 kW, is a gap until the next good read", async () => {
  const runtime = virtualRuntime();
  const broken = new FakeSensor("future", runtime, [
    { component: "cpu", device: "package-0", powerWatts: 10 },
  ], {
    tamper(read, reading) {
      if (read === 4) reading.energyJoules -= 15; // 5 J below the previous read
      if (read === 6) reading.energyJoules += 1e6; // a megajoule ahead, once
    },
  });
  const records = await sampleTicks([broken], 5, runtime);
  // Neither value is a baseline: the next good read is (the dip is never booked back as 25 J).
  const back = "future: its energy went back by 5 J";
  const jump = "future: 1000010 J in 1 s is more than any device draws (100000 W)";
  deepEqual(seriesOf(records, "package-0"), [10, back, back, jump, jump, 0]);
});

Deno.test("a sensor asking to be read every 3 ms gets the 100 ms floor, and it is said", () => {
  const runtime = virtualRuntime();
  const tiny = new FakeSensor("rapl", runtime, [], { maxReadMs: 3 });
  const sampler = createSampler({
    runtime,
    sensors: [tiny],
    rootPid: 1,
    intervalMs: 1000,
    attribution: "whole-machine",
  });
  equal(sampler.intervalMs, 100);
  deepEqual(sampler.intervalFloor, { sensor: "rapl", askedMs: 3, floorMs: 100 });
  // A shorter interval the user asked for stands.
  const asked = createSampler({
    runtime,
    sensors: [tiny],
    rootPid: 1,
    intervalMs: 50,
    attribution: "whole-machine",
  });
  equal(asked.intervalMs, 50);
});

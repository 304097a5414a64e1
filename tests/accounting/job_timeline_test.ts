import { deepEqual, equal } from "node:assert/strict";
import { addSampleLine, createJobTimeline } from "../../lib/accounting/job_timeline.ts";
import type { SampleRecord } from "../../lib/log/schema.ts";
import type { Component } from "../../lib/types.ts";

/** A one-second sample ending at `t`, with `joules` on one device of `component`. */
function sample(t: string, joules: number, component: Component = "gpu"): SampleRecord {
  return {
    t,
    intervalSeconds: 1,
    devices: [{
      component,
      device: component === "gpu" ? "gpu-0" : "package-0",
      method: "counter",
      machineEnergyJoules: joules,
      attributedEnergyJoules: joules,
      powerWatts: joules,
    }],
    cpu: { jobShare: 1, jobCpuSeconds: 0, utilization: 0 },
    memory: { jobBytes: 0, kind: "rss" },
  };
}

Deno.test("a job timeline sums nodes' attributed joules per second", () => {
  const builder = createJobTimeline();
  const nodes = [
    [sample("2025-01-01T00:00:01.100Z", 100), sample("2025-01-01T00:00:02.100Z", 100)],
    [sample("2025-01-01T00:00:01.900Z", 250)],
  ];
  for (const node of nodes) for (const s of node) builder.add(s);
  const timeline = builder.finish();
  equal(timeline.samples, 3);
  deepEqual([...timeline.joules.gpu], [350, 100]);
});

Deno.test("the timeline builder takes samples out of order and grows both ways", () => {
  const builder = createJobTimeline();
  const at = (second: number, j: number) =>
    sample(new Date(Date.UTC(2025, 0, 1) + second * 1000 + 500).toISOString(), j, "cpu");
  builder.add(at(10, 1));
  builder.add(at(5000, 2));
  builder.add(at(3, 4));
  const timeline = builder.finish();
  equal(timeline.startSeconds, Date.UTC(2025, 0, 1) / 1000 + 3);
  equal(timeline.joules.cpu.length, 4998);
  equal(timeline.joules.cpu[0], 4);
  equal(timeline.joules.cpu[7], 1);
  equal(timeline.joules.cpu[4997], 2);
});

Deno.test("addSampleLine reads the writer's lines fast and any other key order in full", () => {
  const builder = createJobTimeline();
  const fast =
    '{"t":"2025-01-01T00:00:01.000Z","intervalSeconds":1,"devices":[{"component":"cpu","device":"package-0","method":"counter","machineEnergyJoules":9,"attributedEnergyJoules":4.5,"powerWatts":9},{"component":"gpu","device":"gpu-0","method":"counter","machineEnergyJoules":300,"attributedEnergyJoules":3e2,"powerWatts":300}],"cpu":{"jobShare":0.5,"jobCpuSeconds":1,"utilization":1},"memory":{"jobBytes":1,"kind":"rss"}}';
  equal(addSampleLine(builder, fast), 304.5);
  const reordered =
    '{"intervalSeconds":1,"t":"2025-01-01T00:00:01.000Z","devices":[{"attributedEnergyJoules":7,"component":"dram","device":"dram-0","method":"counter","machineEnergyJoules":7,"powerWatts":7}],"cpu":{"jobShare":1,"jobCpuSeconds":1,"utilization":1},"memory":{"jobBytes":1,"kind":"rss"}}';
  equal(addSampleLine(builder, reordered), 7);
  const timeline = builder.finish();
  deepEqual([timeline.joules.cpu[0], timeline.joules.gpu[0], timeline.joules.dram[0]], [
    4.5,
    300,
    7,
  ]);
});

Deno.test("addSampleLine buckets each line by its own second across minute boundaries and time zones", () => {
  const builder = createJobTimeline();
  const line = (t: string, joules: number) =>
    `{"t":"${t}","intervalSeconds":1,"devices":[{"component":"gpu","device":"gpu-0","method":"counter","machineEnergyJoules":${joules},"attributedEnergyJoules":${joules},"powerWatts":${joules}}]}`;
  addSampleLine(builder, line("2025-01-01T00:00:59.900Z", 1));
  addSampleLine(builder, line("2025-01-01T00:01:00.100Z", 2));
  addSampleLine(builder, line("2025-01-01T01:01:01.000+01:00", 4));
  const timeline = builder.finish();
  equal(timeline.startSeconds, Date.UTC(2025, 0, 1, 0, 0, 59) / 1000);
  deepEqual([...timeline.joules.gpu], [1, 2, 4]);
});

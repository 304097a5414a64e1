import { deepEqual, equal, ok } from "node:assert/strict";
import {
  addSample,
  emptySummaryState,
  finishSummary,
  summarizeSamples,
} from "../../lib/log/summarize.ts";
import { sampleAt } from "../helpers/log_records.ts";

const meta = {
  start: "2026-01-01T00:00:00.000Z",
  end: "2026-01-01T00:00:03.000Z",
  exitCode: 0,
  attribution: "cpu-time-share" as const,
};

Deno.test("summary adds energy per device and keeps machine and attributed apart", () => {
  const samples = [
    sampleAt("2026-01-01T00:00:01Z", 1, 100, 200, 0.5),
    sampleAt("2026-01-01T00:00:02Z", 1, 50, 300, 0.25),
    sampleAt("2026-01-01T00:00:03Z", 1, 10, 100, 1),
  ];
  const s = summarizeSamples(samples, meta);
  equal(s.durationSeconds, 3);
  equal(s.samples, 3);
  deepEqual(s.components, [
    {
      component: "cpu",
      device: "package-0",
      method: "counter",
      machineEnergyJoules: 160,
      attributedEnergyJoules: 50 + 12.5 + 10,
    },
    {
      component: "gpu",
      device: "gpu-0",
      method: "integrated",
      machineEnergyJoules: 600,
      attributedEnergyJoules: 600,
    },
  ]);
  equal(s.totals.machineEnergyJoules, 760);
  equal(s.totals.attributedEnergyJoules, 672.5);
  equal(s.totals.estimatedEnergyJoules, 0);
  equal(s.power.peakWatts, 350);
  equal(s.power.meanWatts, 760 / 3);
  equal(s.gpuSeconds, 3);
  equal(s.cpuSeconds, 0.5 + 0.25 + 1);
});

Deno.test("running summary equals the summary of all samples at once", () => {
  const samples = [1, 2, 3, 4].map((i) => sampleAt(`2026-01-01T00:00:0${i}Z`, 1, i * 10, i));
  let state = emptySummaryState();
  for (const s of samples) state = addSample(state, s);
  deepEqual(finishSummary(state, meta), summarizeSamples(samples, meta));
});

Deno.test("estimated figures are counted apart and a mixed device takes the weaker method", () => {
  const a = sampleAt("2026-01-01T00:00:01Z", 2, 20, 0, 1);
  const b = sampleAt("2026-01-01T00:00:02Z", 2, 20, 0, 1);
  b.devices[0]!.method = "estimate";
  const s = summarizeSamples([a, b], meta);
  equal(s.components[0]!.method, "estimate");
  equal(s.totals.estimatedEnergyJoules, 40);
  equal(s.totals.measuredEnergyJoules, 40);
  ok(!("recomputed" in s));
});

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
      unmeasuredSeconds: 0,
    },
    {
      component: "gpu",
      device: "gpu-0",
      method: "integrated",
      machineEnergyJoules: 600,
      attributedEnergyJoules: 600,
      unmeasuredSeconds: 0,
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

Deno.test("the window is the energy's (baseline to last sample); the job's wall time is apart", () => {
  // impact.json's start is before the sensors started; the first interval begins at the
  // baseline, 0.4 s later, and the job ran 2.1 s of the 2.5 s.
  const samples = [
    sampleAt("2026-01-01T00:00:01.400Z", 1, 100, 0),
    sampleAt("2026-01-01T00:00:02.400Z", 1, 100, 0),
    sampleAt("2026-01-01T00:00:02.900Z", 0.5, 100, 0),
  ];
  const s = summarizeSamples(samples, {
    ...meta,
    start: "2026-01-01T00:00:00.000Z",
    end: "2026-01-01T00:00:03.000Z",
    jobWallSeconds: 2.1,
  });
  equal(s.start, "2026-01-01T00:00:00.400Z");
  equal(s.end, "2026-01-01T00:00:02.900Z");
  equal(s.durationSeconds, 2.5);
  equal(s.jobWallSeconds, 2.1);
  equal(s.power.meanWatts, s.totals.machineEnergyJoules / s.durationSeconds);
  equal(s.power.meanWatts, 100);
  // Without samples the run's own ends stand; without jobWallSeconds, they give it.
  const empty = summarizeSamples([], meta);
  deepEqual([empty.start, empty.end, empty.durationSeconds, empty.jobWallSeconds], [
    meta.start,
    meta.end,
    3,
    3,
  ]);
});

Deno.test("peak power skips intervals under half the nominal interval", () => {
  // A 13 ms last interval whose few millijoules read as 160 W.
  const samples = [
    sampleAt("2026-01-01T00:00:01.000Z", 1, 7, 0),
    sampleAt("2026-01-01T00:00:02.000Z", 1, 6.5, 0),
    sampleAt("2026-01-01T00:00:02.013Z", 0.013, 160, 0),
  ];
  equal(summarizeSamples(samples, { ...meta, intervalSeconds: 1 }).power.peakWatts, 7);
  equal(summarizeSamples(samples, meta).power.peakWatts, 160); // nominal interval unknown
  // A job shorter than half an interval: its mean is its peak.
  const short = summarizeSamples([samples[2]!], { ...meta, intervalSeconds: 1 });
  equal(short.power.peakWatts, short.power.meanWatts);
});

Deno.test("gaps merge over consecutive intervals of a device and its reason", () => {
  const gap = (t: string, reason: string, device = "gpu-0") => {
    const s = sampleAt(t, 1, 10, 0);
    s.devices = s.devices.filter((d) => d.device !== device);
    s.gaps = [{ component: "gpu", device, reason }];
    return s;
  };
  const samples = [
    sampleAt("2026-01-01T00:00:01.000Z", 1, 10, 100),
    gap("2026-01-01T00:00:02.000Z", "lost"),
    gap("2026-01-01T00:00:03.000Z", "lost"),
    gap("2026-01-01T00:00:04.000Z", "stream died"),
    sampleAt("2026-01-01T00:00:05.000Z", 1, 10, 100),
    gap("2026-01-01T00:00:06.000Z", "lost"),
  ];
  const s = summarizeSamples(samples, meta);
  deepEqual(s.gaps?.map((g) => [g.from.slice(17, 19), g.to.slice(17, 19), g.seconds, g.reason]), [
    ["01", "03", 2, "lost"],
    ["03", "04", 1, "stream died"],
    ["05", "06", 1, "lost"],
  ]);
  equal(s.components.find((c) => c.device === "gpu-0")?.unmeasuredSeconds, 4);
  equal(s.components.find((c) => c.device === "package-0")?.unmeasuredSeconds, 0);
  // A running summary gives the same gaps as the whole run's.
  let state = emptySummaryState();
  for (const sample of samples) state = addSample(state, sample);
  deepEqual(finishSummary(state, meta), s);
});

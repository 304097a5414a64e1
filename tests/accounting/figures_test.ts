import { deepEqual, equal } from "node:assert/strict";
import {
  addFigures,
  emptyFigures,
  quantize,
  runFigures,
  sumFigures,
} from "../../lib/accounting/figures.ts";
import { makeRun } from "../helpers/log_fixtures.ts";
import type { Figures } from "../../lib/accounting/types.ts";

Deno.test("one run's figures, computed by hand", () => {
  // CPU 40 W + one GPU at 300 W for 6 x 10 s: 20,400 J; at PUE 1.5 that is 0.0085 kWh.
  const { summary } = makeRun({ cpuWatts: 40, gpuWatts: [300], samples: 6, intervalSeconds: 10 });
  const f = runFigures({ summary, pue: 1.5, yearlyGramsPerKwh: 400 });
  deepEqual(f, {
    runs: 1,
    energyKwh: 0.0085,
    itEnergyKwh: 0.0056667,
    componentKwh: { cpu: 0.001, dram: 0, gpu: 0.0075, psys: 0 },
    measuredEnergyKwh: 0.0085,
    estimatedEnergyKwh: 0,
    kgCO2e: 0.0034, // 0.0085 kWh x 400 g/kWh = 3.4 g
    hours: 0.0166667,
    cpuHours: 0.0166667,
    gpuHours: 0.0166667,
    runsWithoutCpuCounter: 0,
    runsWithGaps: 0,
    unmeasuredDeviceHours: 0,
  });
});

Deno.test("a run with gaps counts once and carries its unmeasured device-hours", () => {
  // GPU 1 lost for 4 of 6 intervals of 10 s (40 s), GPU 0 for 1 (10 s): 50 device-seconds.
  const { summary } = makeRun({
    gpuWatts: [300, 300],
    samples: 6,
    intervalSeconds: 10,
    gaps: [{ device: "gpu-1", fromSample: 2 }, { device: "gpu-0", fromSample: 0, samples: 1 }],
  });
  const f = runFigures({ summary, pue: 1, yearlyGramsPerKwh: 0 });
  equal(f.runsWithGaps, 1);
  equal(f.unmeasuredDeviceHours, quantize(50 / 3600));
  // The lost intervals' energy is in no figure: 40 W x 60 s + 300 W x (50 + 20) s.
  equal(f.energyKwh, quantize((40 * 60 + 300 * 70) / 3.6e6));
  // Gaps given apart (an old log's stop of sampling) replace the summary's.
  const stopped = runFigures({ summary, pue: 1, yearlyGramsPerKwh: 0, gaps: [{ seconds: 7200 }] });
  equal(stopped.unmeasuredDeviceHours, 2);
});

Deno.test("a run with an estimated CPU counts as estimated and as a run without a counter", () => {
  const { summary } = makeRun({ cpuWatts: 36, cpuMethod: "estimate", gpuWatts: [360] });
  // 36 W x 60 s = 2160 J estimated; 360 W x 60 s = 21600 J measured; PUE 1.
  const f = runFigures({ summary, pue: 1, yearlyGramsPerKwh: 0 });
  equal(f.estimatedEnergyKwh, 0.0006);
  equal(f.measuredEnergyKwh, 0.006);
  equal(f.energyKwh, 0.0066);
  equal(f.runsWithoutCpuCounter, 1);
  equal(f.kgCO2e, 0);
});

Deno.test("measured and estimated always add up to the energy exactly", () => {
  for (let i = 0; i < 200; i++) {
    const { summary } = makeRun({
      cpuWatts: 1 + Math.random() * 100,
      cpuMethod: "estimate",
      gpuWatts: [Math.random() * 400],
      intervalSeconds: Math.random() * 7,
    });
    const f = runFigures({ summary, pue: 1 + Math.random(), yearlyGramsPerKwh: 300 });
    equal(addFigures(emptyFigures(), f).energyKwh, f.energyKwh);
    equal(
      Math.round(f.measuredEnergyKwh * 1e7) + Math.round(f.estimatedEnergyKwh * 1e7),
      Math.round(f.energyKwh * 1e7),
    );
  }
});

function randomRuns(n: number): Figures[] {
  return Array.from({ length: n }, () => {
    const gpus = Math.floor(Math.random() * 3);
    const samples = 1 + Math.floor(Math.random() * 20);
    // About half the runs lose a device for a random stretch (a GPU, else the CPU package).
    const gaps = Math.random() < 0.5
      ? [{
        device: gpus > 0 ? `gpu-${Math.floor(Math.random() * gpus)}` : "package-0",
        fromSample: Math.floor(Math.random() * samples),
        samples: 1 + Math.floor(Math.random() * samples),
      }]
      : undefined;
    const { summary } = makeRun({
      cpuWatts: 1 + Math.random() * 150,
      gpuWatts: Array.from({ length: gpus }, () => Math.random() * 400),
      samples,
      intervalSeconds: 0.1 + Math.random() * 30,
      attributedShare: Math.random(),
      ...(gaps ? { gaps } : {}),
    });
    return runFigures({
      summary,
      pue: 1 + Math.random(),
      yearlyGramsPerKwh: Math.random() * 900,
    });
  });
}

Deno.test("sums are exact whatever the grouping: figures of [a, b] = figures of [a] + [b]", () => {
  for (let trial = 0; trial < 50; trial++) {
    const runs = randomRuns(2 + Math.floor(Math.random() * 30));
    const whole = sumFigures(runs);
    const cut = 1 + Math.floor(Math.random() * (runs.length - 1));
    deepEqual(addFigures(sumFigures(runs.slice(0, cut)), sumFigures(runs.slice(cut))), whole);
    const shuffled = [...runs].sort(() => Math.random() - 0.5);
    deepEqual(sumFigures(shuffled), whole);
    equal(whole.runs, runs.length);
    equal(whole.runsWithGaps, runs.filter((r) => r.runsWithGaps > 0).length);
  }
});

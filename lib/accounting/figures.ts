/**
 * Per-run {@link Figures} and their exact sum.
 *
 * Floating-point addition is not associative, so summing runs in a different grouping
 * would give totals that differ in the last bits. Every per-run figure is therefore
 * rounded to a whole number of {@link FIGURE_QUANTUM} (1e-7 of its unit: 0.36 J, 0.1 mg
 * CO2e, 0.36 ms) and sums are taken on those integers, so the figures of `[a, b]` equal
 * the figures of `[a]` plus those of `[b]` exactly, in any order and grouping. The
 * integers stay exact up to 2^51 quanta (2.2e8 kWh, 2.2e5 t CO2e, 2.2e8 hours).
 *
 * @module
 */
import type { Figures, RunFigures } from "./types.ts";
import { countsInTotal, type SummedComponent } from "../types.ts";
import type { DeviceGap, RunSummary } from "../log/schema.ts";
import { facilityKwh, JOULES_PER_KWH } from "./energy.ts";
import { carbonGrams, type LiveInterval } from "./carbon.ts";
import { gapSeconds } from "./gaps.ts";

/** The resolution of every non-integer figure, in the figure's own unit. */
export const FIGURE_QUANTUM = 1e-7;
const SCALE = 1e7;

/**
 * Every energy component that adds up to a total, in the order figures list them (a `node`
 * meter contains them, and is never attributed to a job).
 */
export const COMPONENTS: readonly SummedComponent[] = ["cpu", "dram", "gpu", "psys"];

/** Whole quanta in a figure (exact for figures produced by this module). */
function quanta(value: number): number {
  return Math.round(value * SCALE);
}

/**
 * Rounds a figure to a whole number of {@link FIGURE_QUANTUM}.
 *
 * @param value A figure in its unit.
 * @returns The nearest multiple of the quantum, as the closest double.
 */
export function quantize(value: number): number {
  return quanta(value) / SCALE;
}

/**
 * Figures of no runs at all.
 *
 * @returns Zeros everywhere.
 */
export function emptyFigures(): Figures {
  return {
    runs: 0,
    energyKwh: 0,
    itEnergyKwh: 0,
    componentKwh: { cpu: 0, dram: 0, gpu: 0, psys: 0 },
    measuredEnergyKwh: 0,
    estimatedEnergyKwh: 0,
    kgCO2e: 0,
    hours: 0,
    cpuHours: 0,
    gpuHours: 0,
    runsWithoutCpuCounter: 0,
    runsWithGaps: 0,
    unmeasuredDeviceHours: 0,
  };
}

/**
 * Adds two sets of figures exactly (on whole quanta), so sums do not depend on order.
 *
 * @param a Figures of some runs.
 * @param b Figures of other runs.
 * @returns The figures of both.
 */
export function addFigures(a: Figures, b: Figures): Figures {
  const add = (x: number, y: number) => (quanta(x) + quanta(y)) / SCALE;
  const componentKwh = { ...a.componentKwh };
  for (const c of COMPONENTS) componentKwh[c] = add(a.componentKwh[c], b.componentKwh[c]);
  return {
    runs: a.runs + b.runs,
    energyKwh: add(a.energyKwh, b.energyKwh),
    itEnergyKwh: add(a.itEnergyKwh, b.itEnergyKwh),
    componentKwh,
    measuredEnergyKwh: add(a.measuredEnergyKwh, b.measuredEnergyKwh),
    estimatedEnergyKwh: add(a.estimatedEnergyKwh, b.estimatedEnergyKwh),
    kgCO2e: add(a.kgCO2e, b.kgCO2e),
    hours: add(a.hours, b.hours),
    cpuHours: add(a.cpuHours, b.cpuHours),
    gpuHours: add(a.gpuHours, b.gpuHours),
    runsWithoutCpuCounter: a.runsWithoutCpuCounter + b.runsWithoutCpuCounter,
    runsWithGaps: a.runsWithGaps + b.runsWithGaps,
    unmeasuredDeviceHours: add(a.unmeasuredDeviceHours, b.unmeasuredDeviceHours),
  };
}

/**
 * Sums any number of figures exactly.
 *
 * @param list Figures to add.
 * @returns Their sum ({@link emptyFigures} for none).
 */
export function sumFigures(list: readonly Figures[]): Figures {
  return list.reduce(addFigures, emptyFigures());
}

/**
 * Whether a run's CPU energy came from a reading (a `counter` or `integrated` CPU or
 * package figure) rather than an estimate or nothing.
 *
 * @param summary The run's summary.
 * @returns True when a CPU or psys component was measured.
 */
export function hasCpuMeasurement(summary: RunSummary): boolean {
  return summary.components.some((c) =>
    (c.component === "cpu" || c.component === "psys") && c.method !== "estimate"
  );
}

/**
 * A run's energy straight from its joules, not rounded: what exports, measured shares and
 * intensity weights are computed from (a figure rounded to 1e-7 kWh is 0.36 J off, a lot for a
 * short run).
 */
export interface ExactEnergy {
  /** Facility energy (x PUE), kWh. */
  energyKwh: number;
  /** Facility energy per component, kWh. */
  componentKwh: Record<SummedComponent, number>;
  /** Attributed energy per component at the IT equipment (before PUE), J. */
  componentJoules: Record<SummedComponent, number>;
  /** Facility kWh from `counter` or `integrated` figures. */
  measuredEnergyKwh: number;
  /** Facility kWh from `estimate` figures. */
  estimatedEnergyKwh: number;
}

/**
 * A run's energy from its summary's joules, unrounded.
 *
 * @param summary The run's summary.
 * @param pue The PUE applied to the run.
 * @returns Facility kWh in total, per component, measured and estimated, and the IT joules
 *   per component.
 * @example 36 kJ at the CPU, a sixth of it estimated, PUE 1.5
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { exactEnergy } from "./figures.ts";
 *
 * const summary = {
 *   components: [{ component: "cpu" as const, attributedEnergyJoules: 36_000 }],
 *   totals: { attributedEnergyJoules: 36_000, estimatedEnergyJoules: 6_000 },
 * };
 * const energy = exactEnergy(summary, 1.5);
 * equal(energy.energyKwh, 0.015);
 * equal(energy.componentJoules.cpu, 36_000);
 * equal(energy.estimatedEnergyKwh, 0.0025);
 * ```
 */
export function exactEnergy(
  summary: {
    components: readonly Pick<
      RunSummary["components"][number],
      "component" | "attributedEnergyJoules"
    >[];
    totals: Pick<RunSummary["totals"], "attributedEnergyJoules" | "estimatedEnergyJoules">;
  },
  pue: number,
): ExactEnergy {
  const componentJoules: Record<SummedComponent, number> = { cpu: 0, dram: 0, gpu: 0, psys: 0 };
  for (const c of summary.components) {
    if (countsInTotal(c.component)) componentJoules[c.component] += c.attributedEnergyJoules;
  }
  const componentKwh = emptyFigures().componentKwh;
  for (const c of COMPONENTS) componentKwh[c] = facilityKwh(componentJoules[c], pue);
  const energyKwh = facilityKwh(summary.totals.attributedEnergyJoules, pue);
  const estimatedEnergyKwh = Math.min(
    energyKwh,
    facilityKwh(summary.totals.estimatedEnergyJoules, pue),
  );
  return {
    energyKwh,
    componentKwh,
    componentJoules,
    measuredEnergyKwh: energyKwh - estimatedEnergyKwh,
    estimatedEnergyKwh,
  };
}

/** What the shares and means over runs read of each run. */
type RunBasis = Pick<RunFigures, "summary" | "pue">;

/**
 * The share of some runs' energy that was measured (`counter` or `integrated`), from joules.
 * Runs with no energy at all are measured only when every device they read was (a counter
 * that saw the job use nothing is a measurement; an estimate of nothing is not).
 *
 * @param runs The runs.
 * @returns A fraction in [0, 1].
 */
export function measuredFraction(runs: readonly RunBasis[]): number {
  let measured = 0;
  let energy = 0;
  for (const run of runs) {
    const exact = exactEnergy(run.summary, run.pue);
    measured += exact.measuredEnergyKwh;
    energy += exact.energyKwh;
  }
  if (energy > 0) return measured / energy;
  const components = runs.flatMap((r) => r.summary.components);
  return components.length > 0 && components.every((c) => c.method !== "estimate") ? 1 : 0;
}

/**
 * The grid intensity some runs were charged at: the one intensity they share, else the mean of
 * theirs weighted by their exact energy. Never carbon over energy after rounding, so a run
 * charged at 414 gCO2e/kWh reads 414.
 *
 * @param runs The runs, each with the intensity it used.
 * @returns gCO2e per facility kWh (the plain mean of the runs' intensities when none has
 *   energy; 0 for no runs).
 */
export function meanIntensityGramsPerKwh(
  runs: readonly (RunBasis & Pick<RunFigures, "intensityGramsPerKwh">)[],
): number {
  const first = runs[0]?.intensityGramsPerKwh ?? 0;
  if (runs.every((r) => r.intensityGramsPerKwh === first)) return first;
  let weighted = 0;
  let energy = 0;
  for (const run of runs) {
    const kwh = facilityKwh(run.summary.totals.attributedEnergyJoules, run.pue);
    weighted += kwh * run.intensityGramsPerKwh;
    energy += kwh;
  }
  if (energy > 0) return weighted / energy;
  return runs.reduce((sum, r) => sum + r.intensityGramsPerKwh, 0) / runs.length;
}

/** What one run's figures are computed from. */
export interface RunFiguresInput {
  summary: RunSummary;
  pue: number;
  /** The zone's yearly intensity (or the fallback's), gCO2e/kWh. */
  yearlyGramsPerKwh: number;
  /** Intervals with a live intensity, from the samples (none when not polled). */
  live?: readonly LiveInterval[];
  /**
   * The run's gaps (lib/accounting/gaps.ts's `runGaps`: the summary's, or an old log's stop of
   * sampling); the summary's own when not given.
   */
  gaps?: readonly Pick<DeviceGap, "seconds">[];
}

/**
 * The intensity a run was charged at: its zone's yearly figure, or with live values the mean
 * over its intervals weighted by their energy (carbon over energy, both unrounded).
 *
 * @param input The run's summary, PUE and intensities.
 * @returns gCO2e per facility kWh.
 */
export function usedIntensityGramsPerKwh(input: RunFiguresInput): number {
  const live = input.live ?? [];
  const energyKwh = facilityKwh(input.summary.totals.attributedEnergyJoules, input.pue);
  if (live.length === 0 || energyKwh <= 0) return input.yearlyGramsPerKwh;
  return carbonGrams(energyKwh, input.yearlyGramsPerKwh, live).gramsCO2e / energyKwh;
}

/**
 * One run's figures, each rounded to whole quanta so that sums are exact.
 *
 * @param input The run's summary, PUE and intensities.
 * @returns The run's figures (`runs` is 1).
 */
export function runFigures(input: RunFiguresInput): Figures {
  const { summary, pue } = input;
  const exact = exactEnergy(summary, pue);
  const energyQuanta = quanta(exact.energyKwh);
  // Measured and estimated partition the energy exactly, in whole quanta.
  const estimatedQuanta = Math.min(energyQuanta, quanta(exact.estimatedEnergyKwh));
  const componentKwh = emptyFigures().componentKwh;
  for (const c of COMPONENTS) componentKwh[c] = quantize(exact.componentKwh[c]);
  const carbon = carbonGrams(exact.energyKwh, input.yearlyGramsPerKwh, input.live ?? []);
  const gaps = input.gaps ?? summary.gaps ?? [];
  return {
    runs: 1,
    energyKwh: energyQuanta / SCALE,
    itEnergyKwh: quantize(summary.totals.attributedEnergyJoules / JOULES_PER_KWH),
    componentKwh,
    measuredEnergyKwh: (energyQuanta - estimatedQuanta) / SCALE,
    estimatedEnergyKwh: estimatedQuanta / SCALE,
    kgCO2e: quantize(carbon.gramsCO2e / 1000),
    hours: quantize(summary.durationSeconds / 3600),
    cpuHours: quantize(summary.cpuSeconds / 3600),
    gpuHours: quantize(summary.gpuSeconds / 3600),
    runsWithoutCpuCounter: hasCpuMeasurement(summary) ? 0 : 1,
    runsWithGaps: gaps.length > 0 ? 1 : 0,
    unmeasuredDeviceHours: quantize(gapSeconds(gaps) / 3600),
  };
}

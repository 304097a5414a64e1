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
import type { Figures } from "./types.ts";
import type { Component } from "../types.ts";
import type { RunSummary } from "../log/schema.ts";
import { facilityKwh, JOULES_PER_KWH } from "./energy.ts";
import { carbonGrams, type LiveInterval } from "./carbon.ts";

/** The resolution of every non-integer figure, in the figure's own unit. */
export const FIGURE_QUANTUM = 1e-7;
const SCALE = 1e7;

/** Every energy component, in the order figures list them. */
export const COMPONENTS: readonly Component[] = ["cpu", "dram", "gpu", "psys"];

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
 * The intensity a set of figures works out to: grams CO2e per facility kWh.
 *
 * @param figures Their carbon and energy.
 * @param otherwise The intensity to report when there is no energy, gCO2e/kWh.
 * @returns `kgCO2e * 1000 / energyKwh`, or `otherwise` when the energy is 0.
 */
export function meanIntensityGramsPerKwh(
  figures: Pick<Figures, "kgCO2e" | "energyKwh">,
  otherwise: number,
): number {
  return figures.energyKwh > 0 ? (figures.kgCO2e * 1000) / figures.energyKwh : otherwise;
}

/** What one run's figures are computed from. */
export interface RunFiguresInput {
  summary: RunSummary;
  pue: number;
  /** The zone's yearly intensity (or the fallback's), gCO2e/kWh. */
  yearlyGramsPerKwh: number;
  /** Intervals with a live intensity, from the samples (none when not polled). */
  live?: readonly LiveInterval[];
}

/**
 * One run's figures, each rounded to whole quanta so that sums are exact.
 *
 * @param input The run's summary, PUE and intensities.
 * @returns The run's figures (`runs` is 1).
 */
export function runFigures(input: RunFiguresInput): Figures {
  const { summary, pue } = input;
  const energyKwh = facilityKwh(summary.totals.attributedEnergyJoules, pue);
  const energyQuanta = quanta(energyKwh);
  // Measured and estimated partition the energy exactly, in whole quanta.
  const estimatedQuanta = Math.min(
    energyQuanta,
    quanta(facilityKwh(summary.totals.estimatedEnergyJoules, pue)),
  );
  const componentJoules: Record<Component, number> = { cpu: 0, dram: 0, gpu: 0, psys: 0 };
  for (const c of summary.components) componentJoules[c.component] += c.attributedEnergyJoules;
  const componentKwh = emptyFigures().componentKwh;
  for (const c of COMPONENTS) componentKwh[c] = quantize(facilityKwh(componentJoules[c], pue));
  const carbon = carbonGrams(energyKwh, input.yearlyGramsPerKwh, input.live ?? []);
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
  };
}

/**
 * Carbon, time-weighted: each interval's facility energy times the grid intensity in force
 * during that interval. Intervals with a live intensity (polled during the run and stored
 * in `samples.jsonl`) use it; the rest of the run's energy uses the zone's yearly value, so
 * with no live data the result is the product energy x yearly intensity.
 *
 * @module
 */
import type { SampleRecord } from "../log/schema.ts";
import { facilityKwh } from "./energy.ts";

/** One interval's facility energy and the live intensity in force then. */
export interface LiveInterval {
  energyKwh: number;
  intensityGramsPerKwh: number;
  source: string;
}

/** A run's carbon and the intensity it works out to. */
export interface CarbonFigures {
  gramsCO2e: number;
  /** Facility kWh that a live intensity covered. */
  liveEnergyKwh: number;
  /** Sources of the live intensities used, in first-seen order. */
  liveSources: string[];
}

/**
 * The intervals of a run that carry a live intensity, with their facility energy.
 *
 * @param samples The run's samples.
 * @param pue The PUE applied to the run.
 * @returns One entry per sample that has `intensity`.
 */
export function liveIntervals(samples: readonly SampleRecord[], pue: number): LiveInterval[] {
  const intervals: LiveInterval[] = [];
  for (const sample of samples) {
    if (!sample.intensity) continue;
    let joules = 0;
    for (const device of sample.devices) joules += device.attributedEnergyJoules;
    intervals.push({
      energyKwh: facilityKwh(joules, pue),
      intensityGramsPerKwh: sample.intensity.gramsPerKwh,
      source: sample.intensity.source,
    });
  }
  return intervals;
}

/**
 * Time-weighted carbon of a run.
 *
 * @param energyKwh The run's facility energy, kWh (from its summary).
 * @param yearlyGramsPerKwh The zone's yearly intensity, for energy no live value covers.
 * @param live The intervals with a live intensity (none: a plain product).
 * @returns Grams CO2e, and how much energy the live values covered.
 * @example Half the energy at a live intensity, the rest at the yearly one
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { carbonGrams } from "./carbon.ts";
 *
 * const live = [{ energyKwh: 1, intensityGramsPerKwh: 100, source: "uk" }];
 * equal(carbonGrams(2, 300, live).gramsCO2e, 1 * 100 + 1 * 300);
 * ```
 */
export function carbonGrams(
  energyKwh: number,
  yearlyGramsPerKwh: number,
  live: readonly LiveInterval[] = [],
): CarbonFigures {
  let grams = 0;
  let liveEnergyKwh = 0;
  const liveSources: string[] = [];
  for (const interval of live) {
    grams += interval.energyKwh * interval.intensityGramsPerKwh;
    liveEnergyKwh += interval.energyKwh;
    if (!liveSources.includes(interval.source)) liveSources.push(interval.source);
  }
  // The summary is the authority on the run's energy; samples may miss a final partial
  // interval, which is charged at the yearly value.
  grams += (energyKwh - liveEnergyKwh) * yearlyGramsPerKwh;
  return { gramsCO2e: grams, liveEnergyKwh, liveSources };
}

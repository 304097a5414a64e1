/**
 * Energy and PUE: attributed joules become facility kilowatt-hours, and the PUE applied is
 * chosen by a fixed precedence so a statement can say where its PUE came from.
 *
 * PUE precedence, first match wins:
 * 1. `--pue X` (the `pue` option of `readLogs`);
 * 2. the `OVERRIDE_PUE` environment variable, read as experiment-impact-tracker reads it
 *    (a number; the CLI reads the environment and passes the text in);
 * 3. the run's cloud region (`RunInfo.region.cloud.pue`, its provider's PUE);
 * 4. the default 1.58 (experiment-impact-tracker's figure, from the Uptime Institute's
 *    2018 survey of data centres).
 *
 * @module
 */
import { parseDecimal } from "../decimal.ts";

/** Joules in one kilowatt-hour. */
export const JOULES_PER_KWH = 3.6e6;

/** The PUE used when nothing else is known (experiment-impact-tracker, Uptime Institute 2018). */
export const DEFAULT_PUE = 1.58;

/** Where a PUE came from. */
export type PueSource = "flag" | "OVERRIDE_PUE" | "cloud" | "default";

/** A PUE and its provenance. */
export interface ChosenPue {
  pue: number;
  source: PueSource;
}

/** The candidates for a run's PUE, from the most to the least explicit. */
export interface PueCandidates {
  /** `--pue X`. */
  flag?: number;
  /** The raw text of `OVERRIDE_PUE`, as found in the environment. */
  overridePue?: string;
  /** The run's cloud provider PUE (`RunInfo.region.cloud.pue`). */
  cloudPue?: number;
}

/**
 * Checks that a PUE is a finite number of at least 1.
 *
 * @param value The PUE to check.
 * @param what Where the value came from, for the error message.
 * @returns The value.
 */
export function validPue(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 1) {
    throw new RangeError(`PUE must be a number of at least 1, got ${value} from ${what}`);
  }
  return value;
}

/**
 * Parses `OVERRIDE_PUE` the way experiment-impact-tracker does (`float(os.environ[...])`):
 * surrounding blanks are ignored, an empty value means unset.
 *
 * @param text The variable's value.
 * @returns The PUE, or undefined when the variable is unset or empty.
 */
export function parseOverridePue(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  // Python's float() takes 1.2e0 but not 0x10; Number() would take both.
  const value = parseDecimal(text, { exponent: true });
  if (value === undefined) {
    throw new RangeError(`OVERRIDE_PUE must be a number, got "${text}"`);
  }
  return validPue(value, "OVERRIDE_PUE");
}

/**
 * Chooses the PUE by the precedence of this module: flag, `OVERRIDE_PUE`, cloud, default.
 *
 * @param candidates The values known for a run.
 * @returns The PUE and where it came from.
 * @example The most explicit PUE wins
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { choosePue } from "./energy.ts";
 *
 * deepEqual(choosePue({ overridePue: "1.2", cloudPue: 1.135 }), { pue: 1.2, source: "OVERRIDE_PUE" });
 * deepEqual(choosePue({}), { pue: 1.58, source: "default" });
 * ```
 */
export function choosePue(candidates: PueCandidates): ChosenPue {
  if (candidates.flag !== undefined) {
    return { pue: validPue(candidates.flag, "--pue"), source: "flag" };
  }
  const env = parseOverridePue(candidates.overridePue);
  if (env !== undefined) return { pue: env, source: "OVERRIDE_PUE" };
  if (candidates.cloudPue !== undefined) {
    return { pue: validPue(candidates.cloudPue, "the cloud region"), source: "cloud" };
  }
  return { pue: DEFAULT_PUE, source: "default" };
}

/**
 * Facility energy: joules at the IT equipment, converted to kWh and multiplied by the PUE.
 *
 * @param energyJoules Attributed energy at the IT equipment, J.
 * @param pue Power usage effectiveness (>= 1).
 * @returns Facility energy, kWh.
 * @example 3.6 MJ at the servers of a PUE 1.5 facility
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { facilityKwh } from "./energy.ts";
 *
 * equal(facilityKwh(3_600_000, 1.5), 1.5);
 * ```
 */
export function facilityKwh(energyJoules: number, pue: number): number {
  return (energyJoules / JOULES_PER_KWH) * pue;
}

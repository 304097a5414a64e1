/**
 * A rough estimate without tracking (`impact estimate`): nameplate power (TDP) x hours x
 * utilisation x PUE x the grid's yearly intensity. Every result says it is an estimate.
 *
 * @module
 */
import type { ZoneIntensity } from "../geo/types.ts";
import { validPue } from "./energy.ts";

/** What an estimate is computed from. */
export interface EstimateInput {
  /** One GPU's board power (TDP), W; 0 for none. */
  gpuWatts: number;
  gpuCount: number;
  /** CPU package power (TDP), W, all sockets; 0 for none. */
  cpuWatts: number;
  hours: number;
  /** Mean share of TDP drawn, (0, 1]; 1 treats TDP as the draw (an upper bound). */
  utilization: number;
  pue: number;
  intensity: ZoneIntensity;
}

/** The estimate's figures. */
export interface EstimateFigures {
  /** Always true: these figures come from nameplate power, not measurement. */
  estimate: true;
  /** Facility energy, kWh (x PUE). */
  energyKwh: number;
  /** Energy at the IT equipment, kWh. */
  itEnergyKwh: number;
  gpuKwh: number;
  cpuKwh: number;
  kgCO2e: number;
  hours: number;
  gpuHours: number;
  utilization: number;
  pue: number;
}

/**
 * Estimates a job's energy and carbon from TDPs.
 *
 * @param input Power, duration, utilisation, PUE and intensity.
 * @returns The figures, flagged `estimate: true`.
 */
export function estimateFigures(input: EstimateInput): EstimateFigures {
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new RangeError(message);
  };
  check(
    Number.isFinite(input.hours) && input.hours > 0,
    `Hours must be above 0, got ${input.hours}`,
  );
  check(
    input.utilization > 0 && input.utilization <= 1,
    `Utilization must be in (0, 1], got ${input.utilization}`,
  );
  check(
    Number.isInteger(input.gpuCount) && input.gpuCount >= 0,
    `GPU count must be a whole number, got ${input.gpuCount}`,
  );
  const pue = validPue(input.pue, "--pue");
  const gpuItKwh = (input.gpuWatts * input.gpuCount * input.hours * input.utilization) / 1000;
  const cpuItKwh = (input.cpuWatts * input.hours * input.utilization) / 1000;
  const itEnergyKwh = gpuItKwh + cpuItKwh;
  const energyKwh = itEnergyKwh * pue;
  return {
    estimate: true,
    energyKwh,
    itEnergyKwh,
    gpuKwh: gpuItKwh * pue,
    cpuKwh: cpuItKwh * pue,
    kgCO2e: (energyKwh * input.intensity.intensityGramsPerKwh) / 1000,
    hours: input.hours,
    gpuHours: input.hours * input.gpuCount,
    utilization: input.utilization,
    pue,
  };
}

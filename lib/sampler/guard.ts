/**
 * The sampling loop's last guard over what sensors hand on, whatever the sensor: sensors check
 * their readings against their hardware (lib/sensors/plausible.ts), and this stops the rest, so
 * a sensor written tomorrow cannot put NaN, Infinity or a negative figure into a log.
 *
 * @module
 */
import type { DeviceEnergy } from "../types.ts";

/**
 * No device this tool reads draws more: a step above it, whatever the sensor, is a glitch
 * (a whole node's power meter is a few kW; a sensor's own bounds are far tighter).
 */
const MAX_DEVICE_WATTS = 100_000;
/** Added to an interval when its step is checked against {@link MAX_DEVICE_WATTS}. */
const STEP_SLACK_SECONDS = 1;

/**
 * Why a sensor's reading cannot be handed on, or undefined: energy must be a finite number of
 * joules, not negative, and so must the power where it is given.
 *
 * @param reading A device's reading as the sensor gave it.
 * @returns The reason, naming the figure.
 */
export function unusableReading(reading: DeviceEnergy): string | undefined {
  const { energyJoules, powerWatts } = reading;
  if (!Number.isFinite(energyJoules) || energyJoules < 0) {
    return `cumulative energy ${energyJoules} J is not an energy`;
  }
  if (powerWatts !== undefined && (!Number.isFinite(powerWatts) || powerWatts < 0)) {
    return `power ${powerWatts} W is not a power`;
  }
  return undefined;
}

/**
 * The reading without a utilisation or memory figure that is not a finite number (they are
 * only carried along; the energy stands).
 *
 * @param reading A usable reading.
 * @returns The reading itself, or a copy without those figures.
 */
export function withFiniteExtras(reading: DeviceEnergy): DeviceEnergy {
  const { utilization, memoryUsedBytes } = reading;
  if (
    (utilization === undefined || Number.isFinite(utilization)) &&
    (memoryUsedBytes === undefined || Number.isFinite(memoryUsedBytes))
  ) return reading;
  const copy = { ...reading };
  if (!Number.isFinite(utilization)) delete copy.utilization;
  if (!Number.isFinite(memoryUsedBytes)) delete copy.memoryUsedBytes;
  return copy;
}

/** A step back this small is rounding in the sensor's sums, not a step back. */
const ROUNDING_JOULES = 1e-6;

/**
 * Why a device's step over an interval is no energy it used, or undefined.
 *
 * @param joules Its cumulative energy now minus at the interval's start.
 * @param seconds The interval.
 * @returns The reason, or undefined when the step (clamped at 0) can be booked.
 */
export function stepProblem(joules: number, seconds: number): string | undefined {
  if (joules < -ROUNDING_JOULES) return `its energy went back by ${-joules} J`;
  if (joules > MAX_DEVICE_WATTS * (seconds + STEP_SLACK_SECONDS)) {
    return `${joules} J in ${seconds} s is more than any device draws (${MAX_DEVICE_WATTS} W)`;
  }
  return undefined;
}

/**
 * A finite number, or 0: figures the record carries must never be NaN or Infinity.
 *
 * @param x A figure.
 * @returns It, or 0 when it is not finite.
 */
export function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

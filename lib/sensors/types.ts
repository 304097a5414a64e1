/**
 * The contract between sensors and the sampler.
 *
 * A sensor reports cumulative energy per device since `start()`; the sampler takes
 * differences between reads, so a counter-based sensor gives exact totals between any
 * two reads and an integrating sensor (power x time) accumulates on its own clock. The
 * vocabulary the sensors report in is lib/types.ts.
 *
 * @module
 */
import type { DeviceEnergy, SensorStatus } from "../types.ts";

/** A source of energy figures. */
export interface EnergySensor {
  /** Sensor name, as in {@link SensorStatus.sensor}. */
  readonly name: string;
  /** Finds devices and checks access; never throws. */
  probe(): Promise<SensorStatus>;
  /** Takes the baseline; cumulative energies count from here. */
  start(): Promise<void>;
  /**
   * Cumulative energy per device since `start()`.
   * Throws {@link SensorError} when a sensor that was available fails.
   */
  read(): Promise<DeviceEnergy[]>;
  /**
   * The longest safe gap between reads in milliseconds (RAPL: before a counter can wrap
   * twice unseen); the sampler reads at least this often. Undefined: no limit.
   */
  maxReadIntervalMs?(): number | undefined;
  /** Releases processes and handles. Safe to call twice. */
  close(): Promise<void>;
}

/** A sensor that was available failed; the user sees this, never a silent zero. */
export class SensorError extends Error {
  /**
   * Names the sensor and what failed.
   *
   * @param sensor The sensor's name.
   * @param message What failed, naming the file or field.
   * @param options The underlying error.
   */
  constructor(readonly sensor: string, message: string, options?: ErrorOptions) {
    super(`${sensor}: ${message}`, options);
    this.name = "SensorError";
  }
}

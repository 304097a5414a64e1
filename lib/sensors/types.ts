/**
 * The contract between sensors and the sampler.
 *
 * A sensor reports cumulative energy per device since `start()`; the sampler takes
 * differences between reads, so a counter-based sensor gives exact totals between any
 * two reads and an integrating sensor (power x time) accumulates on its own clock. The
 * vocabulary the sensors report in is lib/types.ts.
 *
 * Failures are per device: a device that cannot be read this time is a
 * `DeviceFailure` (lib/types.ts) in the read's result, and the other devices are read as usual. A
 * `read()` that rejects fails every device the sensor reported last; a sensor with
 * `restart()` is then restarted by the sampler with back-off. Either way the sampler records
 * gaps (samples.jsonl, summary.json), and retakes a device's baseline at its next good read.
 *
 * @module
 */
import type { DeviceReading, SensorStatus } from "../types.ts";

/** A source of energy figures. */
export interface EnergySensor {
  /** Sensor name, as in {@link SensorStatus.sensor}. */
  readonly name: string;
  /** Finds devices and checks access; never throws. */
  probe(): Promise<SensorStatus>;
  /** Takes the baseline; cumulative energies count from here. */
  start(): Promise<void>;
  /**
   * Cumulative energy per device since `start()`, or a `DeviceFailure` (lib/types.ts) for a device that
   * could not be read this time. Rejects (with {@link SensorError}) only when the sensor as a
   * whole failed (a stream that died): every device it reported last is then a gap.
   */
  read(): Promise<DeviceReading[]>;
  /**
   * Starts the sensor's source afresh after `read()` rejected (a child process that died);
   * cumulative energies may restart from 0, since the sampler retakes every baseline after a
   * gap. Rejects when it could not restart; the sampler tries again later. Only sensors that
   * can be restarted have it.
   */
  restart?(): Promise<void>;
  /**
   * The longest safe gap between reads in milliseconds (RAPL: before a counter can wrap
   * twice unseen); the sampler reads at least this often, but never more often than every
   * {@link MIN_READ_INTERVAL_MS} for it (and says so). Undefined: no limit.
   */
  maxReadIntervalMs?(): number | undefined;
  /** Releases processes and handles. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The shortest interval a sensor may ask the sampler for (`maxReadIntervalMs`): a counter
 * that could wrap faster than this is no counter to follow (a RAPL zone with a tiny
 * `max_energy_range_uj`), and reading every few milliseconds would cost the job a core.
 */
export const MIN_READ_INTERVAL_MS = 100;

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

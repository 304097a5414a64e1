/**
 * One sensor as the sampler reads it: a read that rejects fails every device the sensor
 * reported last (with the error's message), and a sensor that can be restarted is restarted
 * in the background with back-off (1 s, 2 s, 4 s ... at most 60 s), so a dead stream never
 * holds up a tick and never stops the other sensors.
 *
 * @module
 */
import type { DeviceReading } from "../types.ts";
import type { EnergySensor } from "../sensors/types.ts";

/** The first restart waits this long after a failure; each failed one doubles it. */
const FIRST_RESTART_DELAY_MS = 1000;
/** The longest wait between restarts. */
const MAX_RESTART_DELAY_MS = 60_000;

/**
 * How long to wait before a restart, after `failedRestarts` restarts that did not bring the
 * sensor back.
 *
 * @param failedRestarts Restarts in a row that failed (or whose next read failed).
 * @returns Milliseconds: 1000, 2000, 4000, ... at most 60 000.
 * @example The back-off
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { restartDelayMs } from "./sensor_health.ts";
 *
 * deepEqual([0, 1, 2, 6, 7, 20].map(restartDelayMs), [1000, 2000, 4000, 60000, 60000, 60000]);
 * ```
 */
export function restartDelayMs(failedRestarts: number): number {
  return Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** failedRestarts);
}

/** A sensor's read this tick: its readings, or why the whole sensor gave none. */
export type SensorOutcome =
  | { ok: true; readings: DeviceReading[] }
  | { ok: false; reason: string };

/** One sensor, read with its failures and restarts tracked. */
export interface TrackedSensor {
  readonly sensor: EnergySensor;
  /**
   * Reads the sensor, unless it is waiting for (or in) a restart; starts a restart that is due.
   *
   * @param nowMs The tick's monotonic time.
   * @returns The readings, or the reason there are none this tick.
   */
  read(nowMs: number): Promise<SensorOutcome>;
}

/**
 * Wraps a sensor for the sampler.
 *
 * @param sensor The sensor.
 * @param monotonicMs The clock the back-off runs on.
 * @returns The tracked sensor.
 */
export function trackSensor(sensor: EnergySensor, monotonicMs: () => number): TrackedSensor {
  /** Why the sensor gives nothing, while it is failing. */
  let failure: string | undefined;
  let failedRestarts = 0;
  let restartAtMs = 0;
  let restarting = false;
  /** A restart succeeded: the next read tells whether the sensor is back. */
  let restarted = false;

  const failed = (reason: string, nowMs: number): SensorOutcome => {
    if (restarted) failedRestarts++;
    restarted = false;
    failure = reason;
    restartAtMs = nowMs + restartDelayMs(failedRestarts);
    return { ok: false, reason };
  };

  const restart = (restartSensor: () => Promise<void>) => {
    restarting = true;
    // A restart that throws at once is a failed restart too, never a failed tick.
    Promise.resolve().then(restartSensor).then(
      () => restarted = true,
      (error: unknown) => {
        failure = messageOf(error);
        failedRestarts++;
        restartAtMs = monotonicMs() + restartDelayMs(failedRestarts);
      },
    ).finally(() => restarting = false);
  };

  return {
    sensor,
    async read(nowMs) {
      if (failure !== undefined && sensor.restart && !restarted) {
        // Not read while it waits: a dead stream would only say so again.
        if (!restarting && nowMs >= restartAtMs) restart(() => sensor.restart!());
        return { ok: false, reason: failure };
      }
      try {
        const readings = await sensor.read();
        failure = undefined;
        failedRestarts = 0;
        restarted = false;
        return { ok: true, readings };
      } catch (error) {
        return failed(messageOf(error), nowMs);
      }
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

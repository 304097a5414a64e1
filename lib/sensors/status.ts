/**
 * The status a sensor's `probe()` returns when it cannot measure, built one way for every
 * sensor (so `impact doctor` and impact.json list them alike).
 *
 * @module
 */
import type { SensorStatus } from "../types.ts";

/**
 * A status saying the sensor is unavailable and why.
 *
 * @param sensor The sensor's name (`rapl`, `nvidia-smi`, ...).
 * @param reason Why it cannot measure, naming the file, library or program.
 * @param options `fix`: what the user can do about it; `devices`: devices it found but cannot read.
 * @returns The status, with no methods.
 */
export function unavailableStatus(
  sensor: string,
  reason: string,
  options: { fix?: string | undefined; devices?: string[] } = {},
): SensorStatus {
  return {
    sensor,
    available: false,
    reason,
    ...(options.fix === undefined ? {} : { fix: options.fix }),
    methods: [],
    devices: options.devices ?? [],
  };
}

/**
 * CPU energy estimated from the CPU's TDP and the machine's CPU utilisation, for machines
 * where no CPU energy counter is readable (VMs, containers, root-only RAPL).
 *
 * Model: each socket draws `TDP x f(u)`, where u is the machine's CPU utilisation over the
 * interval and f is the TEADS CPU power curve as published for the Green Software
 * Foundation's Impact Framework (0% -> 12% of TDP, 10% -> 32%, 50% -> 75%, 100% -> 102%,
 * linear in between). The 12% at idle is the idle floor: a powered CPU is never at zero.
 * Energy is power times the sensor's own clock (`runtime.monotonicMs`) between reads, with
 * the utilisation of that interval; every figure has method `estimate`.
 *
 * A CPU model missing from the TDP table (a VM that reports only "AMD EPYC") falls back to
 * {@link GENERIC_CPU_WATTS_PER_THREAD}: Cloud Carbon Footprint's figure for processors it does
 * not know, per hardware thread (vCPU), linear in utilisation. The status and the run's
 * summary say in words that the model was unknown and a generic figure was used.
 *
 * @module
 */

import type { Runtime } from "../runtime.ts";
import type { CpuInfo, DeviceEnergy, SensorStatus } from "../types.ts";
import { type EnergySensor, SensorError } from "./types.ts";
import { findCpuTdp, type TdpMatch } from "./cpu_tdp.ts";

const SENSOR = "estimate";

/**
 * The generic CPU power for a model missing from the TDP table, per hardware thread (vCPU):
 * `minWatts + u x (maxWatts - minWatts)` at utilisation u. These are Cloud Carbon Footprint's
 * averages over the processors it knows, which it uses for processors it does not.
 */
export const GENERIC_CPU_WATTS_PER_THREAD = {
  minWatts: 0.74,
  maxWatts: 3.5,
  source: "Cloud Carbon Footprint, AWS constants MIN_WATTS_AVG 0.74 W and MAX_WATTS_AVG 3.5 W " +
    "per vCPU (its average for unknown processors; Apache-2.0)",
} as const;

/** The TEADS curve: [utilisation, fraction of TDP]. */
const POWER_CURVE: Array<[number, number]> = [[0, 0.12], [0.1, 0.32], [0.5, 0.75], [1, 1.02]];

/**
 * Fraction of TDP a CPU draws at a utilisation (TEADS curve, linear between its points).
 *
 * @param utilization CPU utilisation; clamped to [0, 1].
 * @returns The fraction of TDP, 0.12 at idle to 1.02 at full load.
 */
export function cpuPowerFraction(utilization: number): number {
  const u = Number.isFinite(utilization) ? Math.min(1, Math.max(0, utilization)) : 0;
  for (let i = 1; i < POWER_CURVE.length; i++) {
    const [u1, f1] = POWER_CURVE[i]!;
    const [u0, f0] = POWER_CURVE[i - 1]!;
    if (u <= u1) return f0 + (f1 - f0) * (u - u0) / (u1 - u0);
  }
  return POWER_CURVE[POWER_CURVE.length - 1]![1];
}

/**
 * The generic power of `threads` hardware threads at a utilisation.
 *
 * @param threads Hardware threads (vCPUs) of the machine.
 * @param utilization Machine CPU utilisation; clamped to [0, 1].
 * @returns Watts, from {@link GENERIC_CPU_WATTS_PER_THREAD}.
 */
export function genericCpuPowerWatts(threads: number, utilization: number): number {
  const u = Number.isFinite(utilization) ? Math.min(1, Math.max(0, utilization)) : 0;
  const { minWatts, maxWatts } = GENERIC_CPU_WATTS_PER_THREAD;
  return Math.max(1, threads) * (minWatts + u * (maxWatts - minWatts));
}

/** What the estimate needs. */
export interface CpuEstimateOptions {
  runtime: Runtime;
  /** The machine's CPU (model and sockets). */
  cpu: CpuInfo;
  /** Machine CPU utilisation in [0, 1] over the interval that just ended. */
  utilization: () => number;
}

/**
 * Creates the TDP-based CPU estimate.
 *
 * @param options Runtime (clock), CPU inventory and a utilisation source.
 * @returns An energy sensor named `estimate`, devices `package-<socket>`, method `estimate`.
 */
export function createCpuEstimateSensor(options: CpuEstimateOptions): EnergySensor {
  const { runtime, cpu } = options;
  const sockets = Math.max(1, cpu.sockets ?? 1);
  const devices = Array.from({ length: sockets }, (_, socket) => `package-${socket}`);
  const found: TdpMatch | undefined = cpu.model ? findCpuTdp(cpu.model) : undefined;
  const threads = Math.max(1, cpu.threads ?? cpu.cores ?? 1);
  const unknownModel = cpu.model
    ? `CPU model "${cpu.model}" is not in the TDP table (data/cpu_tdp.json)`
    : "The CPU model is unknown (no model name in /proc/cpuinfo)";
  const { minWatts, maxWatts } = GENERIC_CPU_WATTS_PER_THREAD;
  let state: { lastMs: number; energyJoules: number } | undefined;

  return {
    name: SENSOR,
    probe(): Promise<SensorStatus> {
      if (!found) {
        return Promise.resolve({
          sensor: SENSOR,
          available: true,
          reason:
            `${unknownModel}: CPU energy is estimated from a generic ${minWatts}-${maxWatts} W ` +
            `per thread x utilisation for ${threads} thread(s) (Cloud Carbon Footprint's figure ` +
            "for unknown processors), not measured",
          fix: "Make a CPU energy counter readable (RAPL, see `impact doctor`)",
          methods: ["estimate"],
          devices,
          detail: {
            ...(cpu.model ? { model: cpu.model } : {}),
            generic: true,
            threads,
            minWattsPerThread: minWatts,
            maxWattsPerThread: maxWatts,
            sockets,
            source: GENERIC_CPU_WATTS_PER_THREAD.source,
            curve: "linear: min + utilisation x (max - min), per thread",
          },
        });
      }
      return Promise.resolve({
        sensor: SENSOR,
        available: true,
        reason: "CPU energy is estimated from TDP and utilisation, not measured",
        methods: ["estimate"],
        devices,
        detail: {
          model: cpu.model,
          matched: found.model,
          match: found.match,
          tdpWatts: found.tdpWatts,
          sockets,
          source: found.source,
          curve: "TEADS: 0% -> 0.12 TDP, 10% -> 0.32, 50% -> 0.75, 100% -> 1.02",
        },
      });
    },
    start() {
      state = { lastMs: runtime.monotonicMs(), energyJoules: 0 };
      return Promise.resolve();
    },
    read(): Promise<DeviceEnergy[]> {
      if (!state) return Promise.reject(new SensorError(SENSOR, "read() called before start()"));
      const nowMs = runtime.monotonicMs();
      const seconds = Math.max(0, nowMs - state.lastMs) / 1000;
      const raw = options.utilization();
      const utilization = Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : 0;
      // Per socket: the table's TDP is one package's; the generic figure is split evenly.
      const powerWatts = found
        ? found.tdpWatts * cpuPowerFraction(utilization)
        : genericCpuPowerWatts(threads, utilization) / sockets;
      state.energyJoules += powerWatts * seconds;
      state.lastMs = nowMs;
      const { energyJoules } = state;
      return Promise.resolve(devices.map((device) => ({
        component: "cpu" as const,
        device,
        method: "estimate" as const,
        energyJoules,
        powerWatts,
        utilization,
      })));
    },
    close() {
      return Promise.resolve();
    },
  };
}

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
 * @module
 */

import type { Runtime } from "../runtime.ts";
import type { CpuInfo } from "../log/schema.ts";
import type { DeviceEnergy, EnergySensor, SensorStatus } from "./types.ts";
import { SensorError } from "./types.ts";
import { findCpuTdp, type TdpMatch } from "./cpu_tdp.ts";

const SENSOR = "estimate";

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
  let state: { lastMs: number; energyJoules: number } | undefined;

  return {
    name: SENSOR,
    probe(): Promise<SensorStatus> {
      if (!found) {
        return Promise.resolve({
          sensor: SENSOR,
          available: false,
          reason: cpu.model
            ? `CPU model "${cpu.model}" is not in the TDP table (data/cpu_tdp.json)`
            : "The CPU model is unknown (no model name in /proc/cpuinfo)",
          fix: "Make a CPU energy counter readable (RAPL, see `impact doctor`)",
          methods: [],
          devices: [],
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
      if (!found) {
        return Promise.reject(
          new SensorError(SENSOR, `no TDP known for CPU model "${cpu.model ?? "unknown"}"`),
        );
      }
      const nowMs = runtime.monotonicMs();
      const seconds = Math.max(0, nowMs - state.lastMs) / 1000;
      const raw = options.utilization();
      const utilization = Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : 0;
      const powerWatts = found.tdpWatts * cpuPowerFraction(utilization);
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

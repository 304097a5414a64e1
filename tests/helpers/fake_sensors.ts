import { denoRuntime, type Runtime } from "../../lib/runtime.ts";
import {
  type Component,
  type DeviceEnergy,
  type DeviceReading,
  isDeviceFailure,
  type Method,
  type SensorStatus,
  type UsageSource,
} from "../../lib/types.ts";
import { type EnergySensor, SensorError } from "../../lib/sensors/types.ts";

/** A runtime whose clock only moves when code sleeps (or the test advances it). */
export function virtualRuntime(): Runtime & { advance(ms: number): void } {
  let t = 0;
  return {
    ...denoRuntime,
    now: () => Date.parse("2026-01-01T00:00:00Z") + t,
    monotonicMs: () => t,
    async sleep(ms) {
      t += ms;
      await Promise.resolve();
    },
    advance(ms) {
      t += ms;
    },
  };
}

/** One device of a {@link FakeSensor} at a constant power. */
export interface FakeDevice {
  component: Component;
  device: string;
  powerWatts: number;
  method?: Method;
  processIds?: number[];
  uuid?: string;
}

/** How a {@link FakeSensor} misbehaves, by read number (1 is the first read after start()). */
export interface FakeSensorOptions {
  /** This read rejects with a SensorError. */
  failOnRead?: number;
  /** Reads that reject with a SensorError ("stream died"). */
  rejectReads?: (read: number) => boolean;
  /** Devices reported as a DeviceFailure on a read, with the failure text. */
  deviceFailures?: (read: number) => Record<string, string>;
  /** Devices whose reading on a read says it was rebased (a counter reset), with the reason. */
  rebased?: (read: number) => Record<string, string>;
  /** Changes a device's reading on a read (a sensor handing on NaN, a step back, ...). */
  tamper?: (read: number, reading: DeviceEnergy) => void;
  /** Gives the sensor a restart() that starts counting afresh (recorded in `restarts`). */
  restartable?: boolean;
  maxReadMs?: number;
  available?: boolean;
}

/** An in-memory sensor whose devices draw constant power on the runtime's clock. */
export class FakeSensor implements EnergySensor {
  reads = 0;
  started = false;
  closed = 0;
  /** Monotonic times of restart() calls. */
  restarts: number[] = [];
  restart?: () => Promise<void>;
  #startMs = 0;
  constructor(
    readonly name: string,
    readonly runtime: Runtime,
    readonly devices: FakeDevice[],
    readonly options: FakeSensorOptions = {},
  ) {
    if (options.restartable) {
      this.restart = () => {
        this.restarts.push(this.runtime.monotonicMs());
        return this.start();
      };
    }
  }
  probe(): Promise<SensorStatus> {
    return Promise.resolve({
      sensor: this.name,
      available: this.options.available ?? true,
      methods: [...new Set(this.devices.map((d) => d.method ?? "counter"))],
      devices: this.devices.map((d) => d.device),
    });
  }
  start(): Promise<void> {
    this.started = true;
    this.#startMs = this.runtime.monotonicMs();
    return Promise.resolve();
  }
  read(): Promise<DeviceReading[]> {
    const read = ++this.reads;
    if (this.options.failOnRead === read || this.options.rejectReads?.(read)) {
      return Promise.reject(new SensorError(this.name, "energy_uj vanished"));
    }
    const failures = this.options.deviceFailures?.(read) ?? {};
    const rebased = this.options.rebased?.(read) ?? {};
    const seconds = (this.runtime.monotonicMs() - this.#startMs) / 1000;
    return Promise.resolve(this.devices.map((d): DeviceReading => {
      const failure = failures[d.device];
      if (failure !== undefined) return { component: d.component, device: d.device, failure };
      const reading: DeviceEnergy = {
        component: d.component,
        device: d.device,
        method: d.method ?? "counter",
        energyJoules: d.powerWatts * seconds,
        powerWatts: d.powerWatts,
      };
      if (d.processIds) reading.processIds = d.processIds;
      if (d.uuid) reading.uuid = d.uuid;
      if (rebased[d.device] !== undefined) reading.rebased = rebased[d.device]!;
      this.options.tamper?.(read, reading);
      return reading;
    }));
  }
  maxReadIntervalMs(): number | undefined {
    return this.options.maxReadMs;
  }
  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }
}

/** A usage source where the job uses `jobCpus` of `cpus` busy CPUs, all on the runtime's clock. */
export function fakeUsage(
  runtime: Runtime,
  options: { jobCpus: number; busyCpus: number; cpus: number; pids?: number[] },
): UsageSource {
  const seconds = () => runtime.monotonicMs() / 1000;
  return {
    jobUsage: () => ({
      cpuSeconds: options.jobCpus * seconds(),
      memoryBytes: 1 << 20,
      memoryKind: "rss",
      pids: options.pids ?? [4242],
    }),
    systemCpu: () => ({
      busySeconds: options.busyCpus * seconds(),
      totalSeconds: options.cpus * seconds(),
      cpus: options.cpus,
    }),
  };
}

/**
 * Reads a sensor whose every device is expected to give energy this time.
 *
 * @param sensor The sensor.
 * @returns Its readings.
 * @throws When any device failed, naming it and why (so a test fails with the reason).
 */
export async function readEnergies(sensor: Pick<EnergySensor, "read">): Promise<DeviceEnergy[]> {
  const readings = await sensor.read();
  const failed = readings.filter(isDeviceFailure);
  if (failed.length > 0) {
    throw new Error(
      `devices not read: ${failed.map((f) => `${f.device}: ${f.failure}`).join("; ")}`,
    );
  }
  return readings as DeviceEnergy[];
}

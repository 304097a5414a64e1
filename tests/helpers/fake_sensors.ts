import { denoRuntime, type Runtime } from "../../lib/runtime.ts";
import type {
  Component,
  DeviceEnergy,
  Method,
  SensorStatus,
  UsageSource,
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

/** An in-memory sensor whose devices draw constant power on the runtime's clock. */
export class FakeSensor implements EnergySensor {
  reads = 0;
  started = false;
  closed = 0;
  #startMs = 0;
  constructor(
    readonly name: string,
    readonly runtime: Runtime,
    readonly devices: FakeDevice[],
    readonly options: { failOnRead?: number; maxReadMs?: number; available?: boolean } = {},
  ) {}
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
  read(): Promise<DeviceEnergy[]> {
    this.reads++;
    if (this.options.failOnRead === this.reads) {
      return Promise.reject(new SensorError(this.name, "energy_uj vanished"));
    }
    const seconds = (this.runtime.monotonicMs() - this.#startMs) / 1000;
    return Promise.resolve(this.devices.map((d) => {
      const reading: DeviceEnergy = {
        component: d.component,
        device: d.device,
        method: d.method ?? "counter",
        energyJoules: d.powerWatts * seconds,
        powerWatts: d.powerWatts,
      };
      if (d.processIds) reading.processIds = d.processIds;
      if (d.uuid) reading.uuid = d.uuid;
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

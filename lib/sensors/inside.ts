/**
 * Devices that contain devices another sensor reads, counted once: a Grace module's meter holds
 * the Hopper GPU that NVML reads, an APU's power holds the CPU that RAPL or amd_energy reads.
 * The container is reported less what is inside it, read in the same instant: the inside
 * sensor's read is shared ({@link shareReads}), so the sampler's read of it and the container's
 * join one call.
 *
 * Remainders follow each input's energy from read to read and hold their value rather than go
 * back while the inputs' update instants differ (a meter averaging over 1 s against an exact
 * counter), as RAPL's psys remainder does. A read in which an input could not be read (or
 * counted afresh) fails the remainder for that read, and counting restarts from the next one.
 *
 * @module
 */
import {
  type DeviceEnergy,
  type DeviceReading,
  isDeviceFailure,
  type SensorStatus,
} from "../types.ts";
import type { EnergySensor } from "./types.ts";

/** A cumulative remainder of cumulative inputs, counted from read to read and never decreasing. */
export class HeldRemainder {
  #last = new Map<string, number>();
  #running = 0;
  #held = 0;

  /**
   * Adds each input's change since the previous update (inputs seen for the first time, or
   * after {@link forget}, only give their starting value).
   *
   * @param inputs Cumulative joules per input, negative for what is taken out.
   * @returns The remainder so far, joules: the largest the running sum has been.
   * @example Module less GPU, with the GPU's counter ahead of the module's meter for a read
   * ```ts
   * import { equal } from "node:assert/strict";
   * import { HeldRemainder } from "./inside.ts";
   *
   * const rest = new HeldRemainder();
   * rest.update([{ key: "module", joules: 0 }, { key: "gpu", joules: -0 }]);
   * equal(rest.update([{ key: "module", joules: 200 }, { key: "gpu", joules: -120 }]), 80);
   * equal(rest.update([{ key: "module", joules: 200 }, { key: "gpu", joules: -150 }]), 80); // held
   * equal(rest.update([{ key: "module", joules: 400 }, { key: "gpu", joules: -250 }]), 150);
   * ```
   */
  update(inputs: readonly { key: string; joules: number }[]): number {
    for (const { key, joules } of inputs) {
      const before = this.#last.get(key);
      if (before !== undefined) this.#running += joules - before;
    }
    this.#last = new Map(inputs.map((i) => [i.key, i.joules]));
    this.#held = Math.max(this.#held, this.#running);
    return this.#held;
  }

  /** Drops the inputs' last values (after a gap): the next update only takes a baseline. */
  forget(): void {
    this.#last.clear();
  }
}

/**
 * Lets other code join a sensor's reads: a read asked for while one is in flight gets that
 * read's result, so the sampler's read and a container's read of the same instant share one.
 *
 * @param sensor The sensor.
 * @returns The sensor to hand to the sampler, and the joining read.
 */
export function shareReads<S extends EnergySensor>(
  sensor: S,
): { sensor: S; read: () => Promise<DeviceReading[]> } {
  let inFlight: Promise<DeviceReading[]> | undefined;
  const read = () =>
    inFlight ??= sensor.read().finally(() => {
      inFlight = undefined;
    });
  return { sensor: overriding(sensor, { read }), read };
}

/**
 * The sensor with some of its methods replaced; the others (and any extra ones: `gpus()`,
 * `restart()`) still reach the sensor itself, whatever kind of object it is.
 */
function overriding<S extends EnergySensor>(sensor: S, overrides: Partial<EnergySensor>): S {
  return new Proxy(sensor, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) {
        return overrides[property as keyof EnergySensor];
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Devices another sensor reads inside a container. */
export interface InsideSource {
  /** What they are, for the status: `gpu-0 (nvml)`. */
  what: string;
  /** This instant's readings of those devices, and only them. */
  read(): Promise<DeviceReading[]>;
}

/**
 * A sensor whose container devices are reported less what other sensors read inside them.
 *
 * @param sensor The sensor reporting the containers.
 * @param containers Container device id -> what is inside it.
 * @returns The sensor, reading the inside sources with its own; its status says what was taken
 *   out of which device.
 */
export function subtractInside<S extends EnergySensor>(
  sensor: S,
  containers: ReadonlyMap<string, InsideSource>,
): S {
  const remainders = new Map<string, HeldRemainder>();
  const sources = [...new Set(containers.values())];

  const remainderOf = (
    reading: DeviceEnergy,
    source: InsideSource,
    inside: DeviceReading[] | string,
  ): DeviceReading => {
    const remainder = remainders.get(reading.device) ?? new HeldRemainder();
    remainders.set(reading.device, remainder);
    const { component, device } = reading;
    const bad = typeof inside === "string"
      ? `${source.what}, inside ${device}, could not be read: ${inside}`
      : inside.filter(isDeviceFailure).map((r) =>
        `${r.device}, inside ${device}, was not read: ${r.failure}`
      )[0] ??
        inside.filter((r) => !isDeviceFailure(r) && r.rebased !== undefined).map((r) =>
          `${r.device}, inside ${device}, counted afresh: ${(r as DeviceEnergy).rebased}`
        )[0];
    if (bad !== undefined || typeof inside === "string") {
      remainder.forget();
      return { component, device, failure: bad! };
    }
    if (reading.rebased !== undefined) remainder.forget();
    const energyJoules = remainder.update([
      { key: `+${device}`, joules: reading.energyJoules },
      ...inside.map((r) => ({ key: r.device, joules: -(r as DeviceEnergy).energyJoules })),
    ]);
    const { powerWatts: _containerPower, ...rest } = reading;
    return { ...rest, energyJoules };
  };

  return overriding(sensor, {
    async start() {
      remainders.clear();
      await sensor.start();
    },
    async read() {
      const [own, ...inside] = await Promise.all([
        sensor.read(),
        ...sources.map((s) => s.read().catch((error: unknown) => messageOf(error))),
      ]);
      return own.map((reading) => {
        const source = containers.get(reading.device);
        if (!source) return reading;
        if (isDeviceFailure(reading)) {
          remainders.get(reading.device)?.forget();
          return reading;
        }
        return remainderOf(reading, source, inside[sources.indexOf(source)]!);
      });
    },
  });
}

/**
 * Records in a status what is taken out of which device.
 *
 * @param status The container sensor's status (changed in place).
 * @param containers Container device id -> what is inside it (none: nothing is taken out).
 * @param all Every container device with what lies inside it in words, for those no sensor reads.
 */
export function noteInside(
  status: SensorStatus,
  containers: ReadonlyMap<string, InsideSource>,
  all: ReadonlyMap<string, string>,
): void {
  if (all.size === 0) return;
  const lines = [...all].map(([device, what]) => {
    const source = containers.get(device);
    return source
      ? `${device} is reported less ${source.what}, read inside it by another sensor`
      : `${device} includes ${what}: no other sensor reads it, so nothing is taken out`;
  });
  status.detail = { ...status.detail, inside: lines };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

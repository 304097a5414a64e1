/**
 * NVIDIA GPUs through NVML, loaded with Deno FFI: the total-energy counter (mJ, Volta and
 * newer) gives exact energy between reads (method `counter`); a GPU whose counter fails gives
 * power (mW) integrated between reads. When the library does not load, `probe()` says why and
 * the caller falls back to nvidia-smi.
 *
 * Errors are per GPU: a GPU the job may not open (`NVML_ERROR_NO_PERMISSION` from
 * `nvmlDeviceGetHandleByIndex_v2` for a GPU outside the job's device cgroup, the normal case
 * under SLURM), one that is lost, or one with neither counter nor power is left out with its
 * reason while the others are measured. A GPU that fails after the start (`GPU_IS_LOST`) is a
 * failed device in that read, the others are read as usual; an energy counter that goes back
 * (a driver reload), or jumps ahead by more than the GPU can use in the time, is a rebased
 * reading; a power reading above twice the GPU's power limit (lib/sensors/plausible.ts) is a
 * failed read when it is the GPU's figure, and left out when the counter is. The process list
 * is read with the call and entry width the driver branch dictates (see nvml_abi.ts for the
 * header history).
 *
 * FFI has no place in the {@link Runtime} adapter (it is not portable to fakes), so this file
 * calls `Deno.dlopen` itself; tests point `nvmlLibrary` at a stub library instead.
 *
 * @module
 */

import { unavailableStatus } from "./status.ts";
import type { DeviceEnergy, DeviceReading, GpuInfo, Method, SensorStatus } from "../types.ts";
import type { Runtime, SystemPaths } from "../runtime.ts";
import { type EnergySensor, SensorError } from "./types.ts";
import {
  energyStepProblem,
  gpuPowerBound,
  plausibleDetail,
  type PowerBound,
  powerProblem,
} from "./plausible.ts";
import {
  chooseProcessLayout,
  decodeProcessIds,
  NvmlReturn,
  PROCESS_ENTRY_ALLOC_BYTES,
  type ProcessLayout,
} from "./nvml_abi.ts";
import {
  DRIVER_BUFFER_BYTES,
  migDevices,
  migMode,
  type Nvml,
  powerScopes,
  readText,
  SYMBOLS,
  TEXT_BUFFER_BYTES,
} from "./nvml_library.ts";

const NAME = "nvml";
/** Process entries asked for first; a GPU's last count plus headroom after that. */
const FIRST_PROCESS_CAPACITY = 16;

interface Device {
  index: number;
  handle: Deno.PointerValue;
  method: Method;
  uuid?: string;
  /** Counter devices: the last raw counter value (mJ). */
  lastMillijoules?: bigint;
  /** Counter devices: millijoules counted since start(), resets excluded. */
  countedMillijoules: bigint;
  /** Counter devices: when `lastMillijoules` was read (monotonic ms). */
  lastReadMs?: number;
  /** The most it can draw (twice its power limit), what its readings are checked against. */
  bound: PowerBound;
  /** Integrated devices: joules so far, last power and when it was read. */
  energyJoules: number;
  powerWatts?: number;
  powerAtMs?: number;
  /** Process entries the driver reported last time, to size the next buffer. */
  lastProcessCount: number;
}

/** An energy counter that went backwards (a driver reload): that interval counted nothing. */
export interface CounterReset {
  /** The device, `gpu-N`. */
  device: string;
  /** When it was seen, on the runtime's monotonic clock (ms). */
  atMs: number;
  /** The counter before (mJ). */
  beforeMillijoules: number;
  /** The counter after, where counting restarted (mJ). */
  afterMillijoules: number;
}

/** Options of {@link createNvmlSensor}. */
export interface NvmlOptions {
  /** Receives problems worth reporting that do not stop the sensor (a counter reset). */
  onWarning?: (message: string) => void;
}

/** The NVML sensor, with the GPUs it found. */
export type NvmlSensor = EnergySensor & {
  /** GPUs found by `probe()` (name, uuid, driver and CUDA versions, power limit). */
  gpus(): GpuInfo[];
  /** Energy-counter resets seen since start(), oldest first. */
  counterResets(): CounterReset[];
  /** Problems reported so far (counter resets). */
  warnings(): string[];
};

/**
 * Creates the NVML sensor.
 *
 * @param runtime Where time is read.
 * @param paths `nvmlLibrary` names the library (`IMPACT_NVML_LIB`, default `libnvidia-ml.so.1`).
 * @param options Where warnings go.
 * @returns The sensor (method `counter` where the energy counter works, else `integrated`).
 */
export function createNvmlSensor(
  runtime: Runtime,
  paths: SystemPaths,
  options: NvmlOptions = {},
): NvmlSensor {
  let library: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;
  let nvml: Nvml | undefined;
  let status: SensorStatus | undefined;
  let devices: Device[] = [];
  let gpuList: GpuInfo[] = [];
  let layout: ProcessLayout | undefined;
  let processBuffer = new Uint8Array(0);
  const resets: CounterReset[] = [];
  const warnings: string[] = [];

  const errorText = (code: number): string => {
    const pointer = nvml?.nvmlErrorString?.(code);
    const text = pointer ? Deno.UnsafePointerView.getCString(pointer) : "";
    return text === "" ? `NVML error ${code}` : `${text} (NVML error ${code})`;
  };
  const check = (code: number, call: string) => {
    if (code !== NvmlReturn.SUCCESS) {
      throw new NvmlCallError(`${call} failed: ${errorText(code)}`, code);
    }
  };

  function release() {
    try {
      nvml?.nvmlShutdown();
    } catch {
      // Nothing to shut down.
    }
    library?.close();
    library = undefined;
    nvml = undefined;
  }

  async function probe(): Promise<SensorStatus> {
    if (status) return status;
    try {
      status = await probeOnce();
    } catch (error) {
      release();
      status = unavailableStatus(
        NAME,
        error instanceof NvmlCallError
          ? error.message
          : `the NVML library ${paths.nvmlLibrary} did not load: ${(error as Error).message}`,
        {
          fix:
            "Install the NVIDIA driver (it ships libnvidia-ml.so.1) or set IMPACT_NVML_LIB; nvidia-smi is used instead where it works",
        },
      );
    }
    return status;
  }

  async function probeOnce(): Promise<SensorStatus> {
    library = Deno.dlopen(paths.nvmlLibrary, SYMBOLS);
    const lib = nvml = library.symbols;
    check(lib.nvmlInit_v2(), "nvmlInit_v2");
    const count = new Uint32Array(1);
    check(lib.nvmlDeviceGetCount_v2(count), "nvmlDeviceGetCount_v2");
    const driverVersion = readText(
      DRIVER_BUFFER_BYTES,
      (b, n) => lib.nvmlSystemGetDriverVersion(b, n),
    );
    let cudaVersion: string | undefined;
    const cuda = new Int32Array(1);
    if (lib.nvmlSystemGetCudaDriverVersion?.(cuda) === NvmlReturn.SUCCESS) {
      cudaVersion = `${Math.floor(cuda[0]! / 1000)}.${Math.floor((cuda[0]! % 1000) / 10)}`;
    }
    layout = chooseProcessLayout(
      (symbol) => (lib as Record<string, unknown>)[symbol] != null,
      driverVersion,
    );
    devices = [];
    gpuList = [];
    const skipped: string[] = [];
    const notes: string[] = [];
    const gpuDetail: Record<string, Record<string, unknown>> = {};
    for (let index = 0; index < count[0]!; index++) {
      const id = `gpu-${index}`;
      const out = new BigUint64Array(1);
      const handleCode = lib.nvmlDeviceGetHandleByIndex_v2(index, out);
      if (handleCode !== NvmlReturn.SUCCESS) {
        const hint = handleCode === NvmlReturn.NO_PERMISSION
          ? "; this job may not open it (outside its device cgroup, as under SLURM)"
          : "";
        skipped.push(
          `${id}: nvmlDeviceGetHandleByIndex_v2 failed: ${errorText(handleCode)}${hint}`,
        );
        continue;
      }
      const handle = Deno.UnsafePointer.create(out[0]!);
      const energyCode = lib.nvmlDeviceGetTotalEnergyConsumption?.(handle, new BigUint64Array(1));
      let method: Method = "counter";
      if (energyCode !== NvmlReturn.SUCCESS) {
        // Any counter error (not only NOT_SUPPORTED): the power reading may still work.
        const why = energyCode === undefined
          ? "nvmlDeviceGetTotalEnergyConsumption is not exported"
          : errorText(energyCode);
        const powerCode = lib.nvmlDeviceGetPowerUsage(handle, new Uint32Array(1));
        if (powerCode !== NvmlReturn.SUCCESS) {
          skipped.push(`${id}: no energy counter (${why}) and no power (${errorText(powerCode)})`);
          continue;
        }
        method = "integrated";
        notes.push(`${id}: no energy counter (${why}), so its power is integrated`);
      }
      const name = readText(TEXT_BUFFER_BYTES, (b, n) => lib.nvmlDeviceGetName(handle, b, n));
      const uuid = readText(TEXT_BUFFER_BYTES, (b, n) => lib.nvmlDeviceGetUUID(handle, b, n));
      const gpu: GpuInfo = { index, name: name ?? "unknown" };
      if (uuid !== undefined) gpu.uuid = uuid;
      if (driverVersion !== undefined) gpu.driverVersion = driverVersion;
      if (cudaVersion !== undefined) gpu.cudaVersion = cudaVersion;
      const limit = new Uint32Array(1);
      if (lib.nvmlDeviceGetEnforcedPowerLimit?.(handle, limit) === NvmlReturn.SUCCESS) {
        gpu.powerLimitWatts = limit[0]! / 1000;
      }
      const mode = migMode(lib, handle);
      if (mode.migMode === "enabled") gpu.migMode = "enabled";
      const detail: Record<string, unknown> = { method, ...mode };
      if (mode.migMode === "enabled") {
        const mig = migDevices(lib, handle, errorText);
        gpu.migDevices = mig.devices;
        detail.migDevices = mig.devices;
        if (mig.problems.length > 0) detail.migProblems = mig.problems;
      }
      gpuList.push(gpu);
      const bound = await gpuPowerBound(gpu);
      gpuDetail[id] = {
        ...detail,
        ...powerScopes(lib, handle, errorText),
        ...plausibleDetail(bound),
      };
      const device: Device = {
        index,
        handle,
        method,
        energyJoules: 0,
        countedMillijoules: 0n,
        lastProcessCount: 0,
        bound,
      };
      if (uuid !== undefined) device.uuid = uuid;
      devices.push(device);
    }
    if (devices.length === 0) {
      release();
      return unavailableStatus(
        NAME,
        count[0] === 0
          ? "NVML found no GPUs"
          : `no GPU gives energy or power through NVML (${skipped.join("; ")})`,
      );
    }
    const methods = [...new Set(devices.map((d) => d.method))];
    const result: SensorStatus = {
      sensor: NAME,
      available: true,
      methods,
      devices: devices.map((d) => `gpu-${d.index}`),
      detail: {
        library: paths.nvmlLibrary,
        driverVersion,
        cudaVersion,
        processInfo: layout ?? "no compute-process call exported: no job pids on the GPUs",
        gpuDetail,
        skipped,
        gpus: gpuList,
      },
    };
    const reasons = [
      ...(skipped.length > 0 ? [`Some GPUs were left out: ${skipped.join("; ")}`] : []),
      ...notes,
    ];
    if (reasons.length > 0) result.reason = reasons.join(". ");
    return result;
  }

  function readEnergyMillijoules(device: Device): bigint {
    const energy = new BigUint64Array(1);
    check(
      nvml!.nvmlDeviceGetTotalEnergyConsumption!(device.handle, energy),
      "nvmlDeviceGetTotalEnergyConsumption",
    );
    return energy[0]!;
  }

  function readPowerWatts(device: Device): number {
    const power = new Uint32Array(1);
    check(nvml!.nvmlDeviceGetPowerUsage(device.handle, power), "nvmlDeviceGetPowerUsage");
    const watts = power[0]! / 1000;
    const problem = powerProblem(watts, device.bound);
    // An integrated GPU's energy is this reading: one no board can draw fails the read.
    if (problem !== undefined) throw new NvmlCallError(`nvmlDeviceGetPowerUsage: ${problem}`);
    return watts;
  }

  function processIds(device: Device): number[] | undefined {
    const call = layout && nvml![layout.call];
    if (!layout || !call) return undefined;
    let capacity = Math.max(FIRST_PROCESS_CAPACITY, device.lastProcessCount + 8);
    for (let attempt = 0; attempt < 4; attempt++) {
      // Sized for the widest entry any driver writes, whatever stride is read back.
      const bytes = capacity * PROCESS_ENTRY_ALLOC_BYTES;
      if (processBuffer.byteLength < bytes) processBuffer = new Uint8Array(bytes);
      const count = new Uint32Array([capacity]);
      const code = call(device.handle, count, processBuffer);
      if (code === NvmlReturn.INSUFFICIENT_SIZE) {
        // Processes may start between the calls: leave headroom.
        capacity = count[0]! + 8;
        continue;
      }
      if (code !== NvmlReturn.SUCCESS) return undefined;
      device.lastProcessCount = count[0]!;
      return decodeProcessIds(processBuffer, Math.min(count[0]!, capacity), layout.entryBytes);
    }
    return undefined;
  }

  function warn(message: string) {
    warnings.push(message);
    options.onWarning?.(message);
  }

  return {
    name: NAME,
    probe,
    gpus: () => gpuList.map((g) => ({ ...g })),
    counterResets: () => resets.map((r) => ({ ...r })),
    warnings: () => [...warnings],
    async start() {
      const found = await probe();
      if (!found.available || !nvml) throw new SensorError(NAME, found.reason ?? "unavailable");
      const nowMs = runtime.monotonicMs();
      for (const device of devices) {
        device.energyJoules = 0;
        device.countedMillijoules = 0n;
        delete device.lastMillijoules;
        delete device.powerWatts;
        delete device.powerAtMs;
        try {
          if (device.method === "counter") {
            device.lastMillijoules = readEnergyMillijoules(device);
            device.lastReadMs = nowMs;
          } else {
            device.powerWatts = readPowerWatts(device);
            device.powerAtMs = nowMs;
          }
        } catch (error) {
          // It counts from its first good read; until then its reads say why not.
          if (!(error instanceof NvmlCallError)) throw error;
        }
      }
    },
    read() {
      if (!nvml) return Promise.reject(new SensorError(NAME, "read() before start()"));
      return Promise.resolve(devices.map((device): DeviceReading => {
        try {
          return readDevice(device);
        } catch (error) {
          if (!(error instanceof NvmlCallError)) throw error;
          // Counting afresh after it: power is not integrated across the failure.
          delete device.powerWatts;
          delete device.powerAtMs;
          return { component: "gpu", device: `gpu-${device.index}`, failure: error.message };
        }
      }));
    },
    close() {
      release();
      return Promise.resolve();
    },
  };

  function readDevice(device: Device): DeviceEnergy {
    const id = `gpu-${device.index}`;
    const result: DeviceEnergy = {
      component: "gpu",
      device: id,
      method: device.method,
      energyJoules: 0,
    };
    if (device.method === "counter") {
      const now = readEnergyMillijoules(device);
      const nowMs = runtime.monotonicMs();
      const last = device.lastMillijoules ?? now;
      const seconds = (nowMs - (device.lastReadMs ?? nowMs)) / 1000;
      const jump = now >= last
        ? energyStepProblem(Number(now - last) / 1000, seconds, device.bound)
        : undefined;
      if (jump !== undefined) {
        // More than the board can use in the time: a glitch or a reset to a higher value, so
        // the step is unknown; counting goes on from the new value.
        result.rebased = `energy counter jumped from ${last} to ${now} mJ: ${jump}`;
        warn(`${NAME}: ${id} ${result.rebased}; that interval is recorded as a gap`);
      } else if (now >= last) {
        // Exact to the millijoule: bigint differences, then joules.
        device.countedMillijoules += now - last;
      } else {
        // The counter restarts when the driver reloads: when in the interval is unknown, so
        // the interval is a gap and counting goes on from the new value.
        const reset = {
          device: id,
          atMs: runtime.monotonicMs(),
          beforeMillijoules: Number(last),
          afterMillijoules: Number(now),
        };
        resets.push(reset);
        result.rebased =
          `energy counter went back from ${reset.beforeMillijoules} to ${reset.afterMillijoules} mJ (driver reload?)`;
        warn(`${NAME}: ${id} ${result.rebased}; that interval is recorded as a gap`);
      }
      device.lastMillijoules = now;
      device.lastReadMs = nowMs;
      result.energyJoules = Number(device.countedMillijoules) / 1000;
      const power = new Uint32Array(1);
      // The counter is the figure; a power reading no board can draw is only left out.
      if (
        nvml!.nvmlDeviceGetPowerUsage(device.handle, power) === NvmlReturn.SUCCESS &&
        powerProblem(power[0]! / 1000, device.bound) === undefined
      ) {
        result.powerWatts = power[0]! / 1000;
      }
    } else {
      // Trapezoid between consecutive reads; the sampler reads every interval.
      const nowMs = runtime.monotonicMs();
      const watts = readPowerWatts(device);
      const previous = device.powerWatts ?? watts;
      device.energyJoules += (previous + watts) / 2 * (nowMs - (device.powerAtMs ?? nowMs)) / 1000;
      device.powerWatts = watts;
      device.powerAtMs = nowMs;
      result.energyJoules = device.energyJoules;
      result.powerWatts = watts;
    }
    // Utilisation is NOT_SUPPORTED in MIG mode: left out, the rest stands.
    const utilization = new Uint32Array(2);
    if (nvml!.nvmlDeviceGetUtilizationRates(device.handle, utilization) === NvmlReturn.SUCCESS) {
      result.utilization = utilization[0]! / 100;
    }
    const memory = new BigUint64Array(3);
    if (nvml!.nvmlDeviceGetMemoryInfo(device.handle, memory) === NvmlReturn.SUCCESS) {
      result.memoryUsedBytes = Number(memory[2]!);
    }
    const pids = processIds(device);
    if (pids !== undefined) result.processIds = pids;
    if (device.uuid !== undefined) result.uuid = device.uuid;
    return result;
  }
}

/** An NVML call that returned an error code (or a value no GPU can give). */
class NvmlCallError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
    this.name = "NvmlCallError";
  }
}

/**
 * NVIDIA GPUs through NVML, loaded with Deno FFI: the total-energy counter (mJ, Volta and
 * newer) gives exact energy between reads (method `counter`); older GPUs give power (mW)
 * integrated between reads. When the library does not load, `probe()` says why and the
 * caller falls back to nvidia-smi.
 *
 * FFI has no place in the {@link Runtime} adapter (it is not portable to fakes), so this file
 * calls `Deno.dlopen` itself; tests point `nvmlLibrary` at a stub library instead.
 *
 * @module
 */

import { unavailableStatus } from "./status.ts";
import type { DeviceEnergy, GpuInfo, Method, SensorStatus } from "../types.ts";
import type { Runtime, SystemPaths } from "../runtime.ts";
import { type EnergySensor, SensorError } from "./types.ts";

const NAME = "nvml";
const NVML_SUCCESS = 0;
const NVML_ERROR_NOT_SUPPORTED = 3;
const NVML_ERROR_INSUFFICIENT_SIZE = 7;
/** NVML_DEVICE_NAME_V2_BUFFER_SIZE / NVML_DEVICE_UUID_V2_BUFFER_SIZE. */
const TEXT_BUFFER_BYTES = 96;
/** NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE. */
const DRIVER_BUFFER_BYTES = 80;
/**
 * nvmlProcessInfo_v3_t: `unsigned int pid` (4, then 4 bytes of padding), `unsigned long long
 * usedGpuMemory` (8), `unsigned int gpuInstanceId` (4), `unsigned int computeInstanceId` (4).
 */
const PROCESS_INFO_BYTES = 24;

const SYMBOLS = {
  nvmlInit_v2: { parameters: [], result: "i32" },
  nvmlShutdown: { parameters: [], result: "i32" },
  nvmlDeviceGetCount_v2: { parameters: ["buffer"], result: "i32" },
  nvmlDeviceGetHandleByIndex_v2: { parameters: ["u32", "buffer"], result: "i32" },
  nvmlDeviceGetName: { parameters: ["pointer", "buffer", "u32"], result: "i32" },
  nvmlDeviceGetUUID: { parameters: ["pointer", "buffer", "u32"], result: "i32" },
  nvmlSystemGetDriverVersion: { parameters: ["buffer", "u32"], result: "i32" },
  nvmlSystemGetCudaDriverVersion: { parameters: ["buffer"], result: "i32", optional: true },
  nvmlDeviceGetTotalEnergyConsumption: { parameters: ["pointer", "buffer"], result: "i32" },
  nvmlDeviceGetPowerUsage: { parameters: ["pointer", "buffer"], result: "i32" },
  nvmlDeviceGetEnforcedPowerLimit: {
    parameters: ["pointer", "buffer"],
    result: "i32",
    optional: true,
  },
  nvmlDeviceGetUtilizationRates: { parameters: ["pointer", "buffer"], result: "i32" },
  nvmlDeviceGetMemoryInfo: { parameters: ["pointer", "buffer"], result: "i32" },
  nvmlDeviceGetComputeRunningProcesses_v3: {
    parameters: ["pointer", "buffer", "buffer"],
    result: "i32",
    optional: true,
  },
  nvmlErrorString: { parameters: ["i32"], result: "pointer", optional: true },
} as const satisfies Deno.ForeignLibraryInterface;

type Nvml = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

interface Device {
  index: number;
  handle: Deno.PointerValue;
  method: Method;
  uuid?: string;
  /** Counter devices: total energy (mJ) at start(). */
  baselineMillijoules?: bigint;
  /** Integrated devices: joules so far, last power and when it was read. */
  energyJoules: number;
  powerWatts?: number;
  powerAtMs?: number;
}

/** The NVML sensor, with the GPUs it found. */
export type NvmlSensor = EnergySensor & {
  /** GPUs found by `probe()` (name, uuid, driver and CUDA versions, power limit). */
  gpus(): GpuInfo[];
};

/**
 * Creates the NVML sensor.
 *
 * @param runtime Where time is read.
 * @param paths `nvmlLibrary` names the library (`IMPACT_NVML_LIB`, default `libnvidia-ml.so.1`).
 * @returns The sensor (method `counter` where the energy counter exists, else `integrated`).
 */
export function createNvmlSensor(runtime: Runtime, paths: SystemPaths): NvmlSensor {
  let library: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;
  let nvml: Nvml | undefined;
  let status: SensorStatus | undefined;
  let devices: Device[] = [];
  let gpuList: GpuInfo[] = [];

  const errorText = (code: number): string => {
    const pointer = nvml?.nvmlErrorString?.(code);
    const text = pointer ? Deno.UnsafePointerView.getCString(pointer) : "";
    return text === "" ? `NVML error ${code}` : `${text} (NVML error ${code})`;
  };
  const check = (code: number, call: string) => {
    if (code !== NVML_SUCCESS) throw new NvmlCallError(code, `${call} failed: ${errorText(code)}`);
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
    await Promise.resolve();
    try {
      status = probeOnce();
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

  function probeOnce(): SensorStatus {
    library = Deno.dlopen(paths.nvmlLibrary, SYMBOLS);
    nvml = library.symbols;
    check(nvml.nvmlInit_v2(), "nvmlInit_v2");
    const count = new Uint32Array(1);
    check(nvml.nvmlDeviceGetCount_v2(count), "nvmlDeviceGetCount_v2");
    const driverVersion = readText(
      DRIVER_BUFFER_BYTES,
      (b, n) => nvml!.nvmlSystemGetDriverVersion(b, n),
    );
    let cudaVersion: string | undefined;
    const cuda = new Int32Array(1);
    if (nvml.nvmlSystemGetCudaDriverVersion?.(cuda) === NVML_SUCCESS) {
      cudaVersion = `${Math.floor(cuda[0]! / 1000)}.${Math.floor((cuda[0]! % 1000) / 10)}`;
    }
    devices = [];
    gpuList = [];
    const skipped: string[] = [];
    for (let index = 0; index < count[0]!; index++) {
      const out = new BigUint64Array(1);
      check(nvml.nvmlDeviceGetHandleByIndex_v2(index, out), "nvmlDeviceGetHandleByIndex_v2");
      const handle = Deno.UnsafePointer.create(out[0]!);
      const name = readText(TEXT_BUFFER_BYTES, (b, n) => nvml!.nvmlDeviceGetName(handle, b, n));
      const uuid = readText(TEXT_BUFFER_BYTES, (b, n) => nvml!.nvmlDeviceGetUUID(handle, b, n));
      const energy = new BigUint64Array(1);
      const power = new Uint32Array(1);
      const energyCode = nvml.nvmlDeviceGetTotalEnergyConsumption(handle, energy);
      let method: Method;
      if (energyCode === NVML_SUCCESS) {
        method = "counter";
      } else if (
        energyCode === NVML_ERROR_NOT_SUPPORTED &&
        nvml.nvmlDeviceGetPowerUsage(handle, power) === NVML_SUCCESS
      ) {
        method = "integrated";
      } else {
        skipped.push(`gpu-${index}: no energy counter or power reading (${errorText(energyCode)})`);
        continue;
      }
      const gpu: GpuInfo = { index, name: name ?? "unknown" };
      if (uuid !== undefined) gpu.uuid = uuid;
      if (driverVersion !== undefined) gpu.driverVersion = driverVersion;
      if (cudaVersion !== undefined) gpu.cudaVersion = cudaVersion;
      const limit = new Uint32Array(1);
      if (nvml.nvmlDeviceGetEnforcedPowerLimit?.(handle, limit) === NVML_SUCCESS) {
        gpu.powerLimitWatts = limit[0]! / 1000;
      }
      gpuList.push(gpu);
      const device: Device = { index, handle, method, energyJoules: 0 };
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
        methodByDevice: Object.fromEntries(devices.map((d) => [`gpu-${d.index}`, d.method])),
        gpus: gpuList,
      },
    };
    if (skipped.length > 0) result.reason = `Some GPUs were left out: ${skipped.join("; ")}`;
    if (methods.includes("integrated")) {
      const note = "GPUs older than Volta have no energy counter: their power is integrated";
      result.reason = result.reason ? `${result.reason}. ${note}` : note;
    }
    return result;
  }

  function readEnergyMillijoules(device: Device): bigint {
    const energy = new BigUint64Array(1);
    const code = nvml!.nvmlDeviceGetTotalEnergyConsumption(device.handle, energy);
    if (code !== NVML_SUCCESS) {
      throw new SensorError(NAME, `gpu-${device.index} energy counter: ${errorText(code)}`);
    }
    return energy[0]!;
  }

  function readPowerWatts(device: Device): number {
    const power = new Uint32Array(1);
    const code = nvml!.nvmlDeviceGetPowerUsage(device.handle, power);
    if (code !== NVML_SUCCESS) {
      throw new SensorError(NAME, `gpu-${device.index} power usage: ${errorText(code)}`);
    }
    return power[0]! / 1000;
  }

  function processIds(device: Device): number[] | undefined {
    const call = nvml!.nvmlDeviceGetComputeRunningProcesses_v3;
    if (!call) return undefined;
    let capacity = 8;
    for (let attempt = 0; attempt < 4; attempt++) {
      const count = new Uint32Array([capacity]);
      const infos = new Uint8Array(capacity * PROCESS_INFO_BYTES);
      const code = call(device.handle, count, infos);
      if (code === NVML_ERROR_INSUFFICIENT_SIZE) {
        // Processes may start between the calls: leave headroom.
        capacity = count[0]! + 8;
        continue;
      }
      if (code !== NVML_SUCCESS) return undefined;
      const view = new DataView(infos.buffer);
      const pids: number[] = [];
      for (let i = 0; i < count[0]!; i++) pids.push(view.getUint32(i * PROCESS_INFO_BYTES, true));
      return pids;
    }
    return undefined;
  }

  return {
    name: NAME,
    probe,
    gpus: () => gpuList.map((g) => ({ ...g })),
    async start() {
      const found = await probe();
      if (!found.available || !nvml) throw new SensorError(NAME, found.reason ?? "unavailable");
      const nowMs = runtime.monotonicMs();
      for (const device of devices) {
        device.energyJoules = 0;
        if (device.method === "counter") {
          device.baselineMillijoules = readEnergyMillijoules(device);
        } else {
          device.powerWatts = readPowerWatts(device);
          device.powerAtMs = nowMs;
        }
      }
    },
    read() {
      if (!nvml) return Promise.reject(new SensorError(NAME, "read() before start()"));
      try {
        return Promise.resolve(devices.map((device) => readDevice(device)));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    close() {
      release();
      return Promise.resolve();
    },
  };

  function readDevice(device: Device): DeviceEnergy {
    const result: DeviceEnergy = {
      component: "gpu",
      device: `gpu-${device.index}`,
      method: device.method,
      energyJoules: 0,
    };
    if (device.method === "counter") {
      const now = readEnergyMillijoules(device);
      // Exact to the millijoule: bigint difference, then joules.
      result.energyJoules = Number(now - (device.baselineMillijoules ?? now)) / 1000;
      const power = new Uint32Array(1);
      if (nvml!.nvmlDeviceGetPowerUsage(device.handle, power) === NVML_SUCCESS) {
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
    const utilization = new Uint32Array(2);
    if (nvml!.nvmlDeviceGetUtilizationRates(device.handle, utilization) === NVML_SUCCESS) {
      result.utilization = utilization[0]! / 100;
    }
    const memory = new BigUint64Array(3);
    if (nvml!.nvmlDeviceGetMemoryInfo(device.handle, memory) === NVML_SUCCESS) {
      result.memoryUsedBytes = Number(memory[2]!);
    }
    const pids = processIds(device);
    if (pids !== undefined) result.processIds = pids;
    if (device.uuid !== undefined) result.uuid = device.uuid;
    return result;
  }
}

/** An NVML call that returned an error code. */
class NvmlCallError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = "NvmlCallError";
  }
}

function readText(
  bytes: number,
  call: (buffer: Uint8Array, length: number) => number,
): string | undefined {
  const buffer = new Uint8Array(bytes);
  if (call(buffer, bytes) !== NVML_SUCCESS) return undefined;
  const end = buffer.indexOf(0);
  return new TextDecoder().decode(buffer.subarray(0, end < 0 ? bytes : end));
}

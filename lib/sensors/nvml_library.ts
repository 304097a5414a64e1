/**
 * The NVML library as loaded by Deno FFI: the symbols used with their C signatures, and the
 * per-GPU records that are read once at probe (MIG mode, power per scope). The layouts and
 * driver-branch facts behind them are in nvml_abi.ts.
 *
 * @module
 */
import type { MigDeviceInfo } from "../types.ts";
import {
  ATTRIBUTES_BYTES,
  decodeAttributes,
  decodeFieldValue,
  encodeFieldRequests,
  FI_DEV_POWER_INSTANT,
  migShare,
  NvmlReturn,
  PowerScope,
} from "./nvml_abi.ts";

/** NVML_DEVICE_NAME_V2_BUFFER_SIZE / NVML_DEVICE_UUID_V2_BUFFER_SIZE. */
export const TEXT_BUFFER_BYTES = 96;
/** NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE. */
export const DRIVER_BUFFER_BYTES = 80;

const PROCESS_CALL = {
  parameters: ["pointer", "buffer", "buffer"],
  result: "i32",
  optional: true,
} as const;
/** Symbols only looked up, never called: which ones exist tells the driver branch. */
const MARKER = { parameters: ["pointer", "buffer"], result: "i32", optional: true } as const;

/** The NVML calls used, and the marker symbols whose presence tells the driver branch. */
export const SYMBOLS = {
  nvmlInit_v2: { parameters: [], result: "i32" },
  nvmlShutdown: { parameters: [], result: "i32" },
  nvmlDeviceGetCount_v2: { parameters: ["buffer"], result: "i32" },
  nvmlDeviceGetHandleByIndex_v2: { parameters: ["u32", "buffer"], result: "i32" },
  nvmlDeviceGetName: { parameters: ["pointer", "buffer", "u32"], result: "i32" },
  nvmlDeviceGetUUID: { parameters: ["pointer", "buffer", "u32"], result: "i32" },
  nvmlSystemGetDriverVersion: { parameters: ["buffer", "u32"], result: "i32" },
  nvmlSystemGetCudaDriverVersion: { parameters: ["buffer"], result: "i32", optional: true },
  nvmlDeviceGetTotalEnergyConsumption: {
    parameters: ["pointer", "buffer"],
    result: "i32",
    optional: true,
  },
  nvmlDeviceGetPowerUsage: { parameters: ["pointer", "buffer"], result: "i32" },
  nvmlDeviceGetEnforcedPowerLimit: {
    parameters: ["pointer", "buffer"],
    result: "i32",
    optional: true,
  },
  nvmlDeviceGetUtilizationRates: { parameters: ["pointer", "buffer"], result: "i32" },
  nvmlDeviceGetMemoryInfo: { parameters: ["pointer", "buffer"], result: "i32" },
  nvmlDeviceGetComputeRunningProcesses_v3: PROCESS_CALL,
  nvmlDeviceGetComputeRunningProcesses_v2: PROCESS_CALL,
  nvmlDeviceGetComputeRunningProcesses: PROCESS_CALL,
  nvmlDeviceGetConfComputeMemSizeInfo: MARKER,
  nvmlDeviceGetRunningProcessDetailList: MARKER,
  nvmlDeviceGetMigMode: {
    parameters: ["pointer", "buffer", "buffer"],
    result: "i32",
    optional: true,
  },
  nvmlDeviceGetMaxMigDeviceCount: {
    parameters: ["pointer", "buffer"],
    result: "i32",
    optional: true,
  },
  nvmlDeviceGetMigDeviceHandleByIndex: {
    parameters: ["pointer", "u32", "buffer"],
    result: "i32",
    optional: true,
  },
  nvmlDeviceGetDeviceHandleFromMigDeviceHandle: {
    parameters: ["pointer", "buffer"],
    result: "i32",
    optional: true,
  },
  nvmlDeviceGetAttributes_v2: {
    parameters: ["pointer", "buffer"],
    result: "i32",
    optional: true,
  },
  nvmlDeviceGetFieldValues: {
    parameters: ["pointer", "i32", "buffer"],
    result: "i32",
    optional: true,
  },
  nvmlErrorString: { parameters: ["i32"], result: "pointer", optional: true },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded library's calls (optional ones are null when not exported). */
export type Nvml = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/**
 * MIG mode where the GPU has one (`NVML_DEVICE_MIG_ENABLE` is 1); nothing otherwise.
 *
 * @param nvml The library.
 * @param handle The GPU.
 * @returns `migMode`, or nothing when NVML gives none (no MIG, or a driver before R450).
 */
export function migMode(
  nvml: Nvml,
  handle: Deno.PointerValue,
): { migMode?: "enabled" | "disabled" } {
  const current = new Uint32Array(1);
  const pending = new Uint32Array(1);
  if (nvml.nvmlDeviceGetMigMode?.(handle, current, pending) !== NvmlReturn.SUCCESS) return {};
  return { migMode: current[0] === 1 ? "enabled" : "disabled" };
}

/**
 * The MIG devices of a GPU in MIG mode, each with its share of the GPU's compute: what a
 * `MIG-` id in `CUDA_VISIBLE_DEVICES` names. Slots without a device (`NOT_FOUND`) are skipped;
 * a device whose parent NVML does not confirm, or whose share is unknown, is left out with why.
 *
 * @param nvml The library.
 * @param parent The GPU's handle.
 * @param errorText Turns an NVML return code into text.
 * @returns The MIG devices and what was left out (nothing without MIG calls, before R450).
 */
export function migDevices(
  nvml: Nvml,
  parent: Deno.PointerValue,
  errorText: (code: number) => string,
): { devices: MigDeviceInfo[]; problems: string[] } {
  const devices: MigDeviceInfo[] = [];
  const problems: string[] = [];
  const max = new Uint32Array(1);
  const slots = nvml.nvmlDeviceGetMaxMigDeviceCount?.(parent, max) === NvmlReturn.SUCCESS
    ? max[0]!
    : 0;
  if (slots === 0 || !nvml.nvmlDeviceGetMigDeviceHandleByIndex) return { devices, problems };
  const parentAttributes = readAttributes(nvml, parent);
  for (let index = 0; index < slots; index++) {
    const out = new BigUint64Array(1);
    const code = nvml.nvmlDeviceGetMigDeviceHandleByIndex(parent, index, out);
    if (code === NvmlReturn.NOT_FOUND) continue;
    if (code !== NvmlReturn.SUCCESS) {
      problems.push(`MIG device ${index}: ${errorText(code)}`);
      continue;
    }
    const handle = Deno.UnsafePointer.create(out[0]!);
    const owner = new BigUint64Array(1);
    const ownerCode = nvml.nvmlDeviceGetDeviceHandleFromMigDeviceHandle?.(handle, owner);
    if (
      ownerCode !== undefined && (ownerCode !== NvmlReturn.SUCCESS || owner[0] !== BigInt(
            Deno.UnsafePointer.value(parent),
          ))
    ) {
      problems.push(`MIG device ${index}: its parent is not this GPU (${errorText(ownerCode)})`);
      continue;
    }
    const uuid = readText(TEXT_BUFFER_BYTES, (b, n) => nvml.nvmlDeviceGetUUID(handle, b, n));
    const attributes = readAttributes(nvml, handle);
    const share = attributes && migShare(attributes, parentAttributes, slots);
    if (uuid === undefined || !share) {
      problems.push(`MIG device ${index}: no ${uuid === undefined ? "UUID" : "share of the GPU"}`);
      continue;
    }
    const device: MigDeviceInfo = { uuid, index, ...share };
    if (attributes.multiprocessorCount > 0) {
      device.multiprocessorCount = attributes.multiprocessorCount;
    }
    if (attributes.gpuInstanceSliceCount > 0) {
      device.gpuInstanceSliceCount = attributes.gpuInstanceSliceCount;
    }
    devices.push(device);
  }
  return { devices, problems };
}

function readAttributes(nvml: Nvml, handle: Deno.PointerValue) {
  const bytes = new Uint8Array(ATTRIBUTES_BYTES);
  const code = nvml.nvmlDeviceGetAttributes_v2?.(handle, bytes);
  return code === NvmlReturn.SUCCESS ? decodeAttributes(bytes) : undefined;
}

/**
 * Instant power per scope, GPU alone and the whole module (Grace + Hopper on GH200), as
 * field values: a record for the status detail only; each scope a watt figure or the reason
 * it is missing.
 *
 * @param nvml The library.
 * @param handle The GPU.
 * @param errorText Turns an NVML return code into text.
 * @returns `powerScopes`, or nothing when the driver has no field values.
 */
export function powerScopes(
  nvml: Nvml,
  handle: Deno.PointerValue,
  errorText: (code: number) => string,
): { powerScopes?: Record<string, number | string> } {
  if (!nvml.nvmlDeviceGetFieldValues) return {};
  const scopes = [["gpu", PowerScope.GPU], ["module", PowerScope.MODULE]] as const;
  const values = encodeFieldRequests(
    scopes.map(([, scopeId]) => ({ fieldId: FI_DEV_POWER_INSTANT, scopeId })),
  );
  if (nvml.nvmlDeviceGetFieldValues(handle, scopes.length, values) !== NvmlReturn.SUCCESS) {
    return {};
  }
  const found: Record<string, number | string> = {};
  scopes.forEach(([scope], i) => {
    const { code, value } = decodeFieldValue(values, i);
    found[scope] = value !== undefined ? value / 1000 : errorText(code);
  });
  return { powerScopes: found };
}

/**
 * Calls an NVML function that fills a text buffer.
 *
 * @param bytes The buffer size the header guarantees is enough.
 * @param call The call, given the buffer and its length.
 * @returns The text up to its NUL, or undefined when the call failed.
 */
export function readText(
  bytes: number,
  call: (buffer: Uint8Array, length: number) => number,
): string | undefined {
  const buffer = new Uint8Array(bytes);
  if (call(buffer, bytes) !== NvmlReturn.SUCCESS) return undefined;
  const end = buffer.indexOf(0);
  return new TextDecoder().decode(buffer.subarray(0, end < 0 ? bytes : end));
}

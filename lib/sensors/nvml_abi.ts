/**
 * NVML's binary interface as NVIDIA's `nvml.h` defines it, per driver branch: return codes,
 * the process-entry layouts of `nvmlDeviceGetComputeRunningProcesses*`, and the field-value
 * struct. Pure: no FFI here, so each fact is unit-tested on bytes.
 *
 * Facts relied on, with their sources:
 *
 * - `nvmlProcessInfo_v1_t` is `{ unsigned int pid; unsigned long long usedGpuMemory; }`:
 *   16 bytes on LP64 (4 bytes of padding after `pid`). The unversioned
 *   `nvmlDeviceGetComputeRunningProcesses` writes it; before R450 it is the only process
 *   call (`undefined symbol: nvmlDeviceGetComputeRunningProcesses_v2` on driver 430:
 *   gpuopenanalytics/pynvml#43; go-nvml#21 and PR #25 on drivers 430/440).
 * - `nvmlProcessInfo_v2_t` adds `unsigned int gpuInstanceId, computeInstanceId` (0xFFFFFFFF
 *   without MIG): 24 bytes. `_v2` writes it (R450 and later); `_v3` appeared in 510.39.01
 *   and also wrote 24-byte entries (NVIDIA/go-nvml `pkg/nvml/nvml.h`, NVML 12.2.140;
 *   nvidia-settings commit b2f0e7f, summarised in XuehaiPan/nvitop#89).
 * - Drivers 535.43.02 to 535.86.x redefined `nvmlProcessInfo_t` with a trailing
 *   `unsigned long long usedGpuCcProtectedMemory` (32 bytes) and `_v3` writes that, without a
 *   version bump (nvml.h diff 12.1.55 -> 12.2.81, CUDA 12.2; nvitop PR #79; pynvml PR #48 and
 *   go-nvml#75 on 535.54.03; gpustat#161). A 24-byte reader sees garbage after the first
 *   pid, and a buffer sized for 24-byte entries is overrun by the driver.
 * - 535.98 removed `_v3` from the header (nvidia-settings commit 0cb3bef; nvitop#88/#89);
 *   535.104.05 brought `_v3` back writing 24-byte entries and moved the 32-byte struct to
 *   `nvmlProcessDetail_v1_t`, read by the new `nvmlDeviceGetRunningProcessDetailList`
 *   (nvitop PR #94; go-nvml nvml.h 12.2.140). R535's confidential-computing API
 *   (`nvmlDeviceGetConfComputeMemSizeInfo`) arrived with the 32-byte layout. So a library
 *   that exports `_v3` and `nvmlDeviceGetConfComputeMemSizeInfo` but not
 *   `nvmlDeviceGetRunningProcessDetailList` writes 32-byte entries (nvitop's
 *   `__determine_get_running_processes_version_suffix`); R510/R525 export `_v3` without the
 *   confidential-computing call and write 24 (nvitop#181).
 * - Return codes (`nvmlReturn_t`): 3 NOT_SUPPORTED, 4 NO_PERMISSION, 6 NOT_FOUND (an empty MIG
 *   slot), 7 INSUFFICIENT_SIZE (the count is set to the entries needed), 13 FUNCTION_NOT_FOUND,
 *   15 GPU_IS_LOST, 999 UNKNOWN.
 * - MIG (R450 and later): `nvmlDeviceGetMaxMigDeviceCount(device, unsigned *count)` (7 on
 *   A100/H100: one per compute slice), `nvmlDeviceGetMigDeviceHandleByIndex(device, unsigned
 *   index, nvmlDevice_t *mig)` (NOT_FOUND for an empty slot), `nvmlDeviceGetUUID` on the MIG
 *   handle gives its `MIG-...` id, `nvmlDeviceGetDeviceHandleFromMigDeviceHandle(mig,
 *   nvmlDevice_t *parent)`. `nvmlDeviceGetAttributes_v2(device, nvmlDeviceAttributes_t *)`
 *   fills `{ unsigned multiprocessorCount, sharedCopyEngineCount, sharedDecoderCount,
 *   sharedEncoderCount, sharedJpegCount, sharedOfaCount, gpuInstanceSliceCount,
 *   computeInstanceSliceCount; unsigned long long memorySizeMB }`: 40 bytes, the slice counts
 *   at 24 and 28 (NVIDIA/go-nvml `pkg/nvml/nvml.h`).
 * - `nvmlFieldValue_t` (40 bytes): `fieldId` u32 @0, `scopeId` u32 @4 (named `unused` before
 *   12.2), `timestamp` i64 @8, `latencyUsec` i64 @16, `valueType` u32 @24, `nvmlReturn` u32
 *   @28, `value` union (8 bytes) @32. `NVML_FI_DEV_POWER_INSTANT` is 186 (mW) with scope
 *   `NVML_POWER_SCOPE_GPU` 0 or `NVML_POWER_SCOPE_MODULE` 1 (the whole module, e.g. Grace +
 *   Hopper on GH200), added in 12.2.81 (R535).
 *
 * @module
 */

/** `nvmlReturn_t` codes this sensor tells apart. */
export const NvmlReturn = {
  SUCCESS: 0,
  NOT_SUPPORTED: 3,
  NO_PERMISSION: 4,
  NOT_FOUND: 6,
  INSUFFICIENT_SIZE: 7,
  GPU_IS_LOST: 15,
} as const;

/** The three process calls, newest first; all take `(device, unsigned *count, infos *)`. */
export const PROCESS_CALLS = [
  "nvmlDeviceGetComputeRunningProcesses_v3",
  "nvmlDeviceGetComputeRunningProcesses_v2",
  "nvmlDeviceGetComputeRunningProcesses",
] as const;

/** One of {@link PROCESS_CALLS}. */
export type ProcessCall = typeof PROCESS_CALLS[number];

/**
 * Bytes allocated per process entry whatever the layout: the largest any driver writes, so a
 * wrong guess reads wrong pids but never lets the driver write past the buffer.
 */
export const PROCESS_ENTRY_ALLOC_BYTES = 32;

/** Which call to use and how wide its entries are. */
export interface ProcessLayout {
  /** The exported call used. */
  call: ProcessCall;
  /** Bytes per entry the driver writes: 16 (v1), 24 (v2) or 32 (R535 early `_v3`). */
  entryBytes: 16 | 24 | 32;
  /** Why this layout, for the status detail. */
  basis: string;
}

/** The first and the first-after driver of the 32-byte `_v3` entries (535.43.02, 535.98). */
const EARLY_R535_FROM = [535, 43];
const EARLY_R535_BEFORE = [535, 98];

/**
 * Parses a driver version such as `535.54.03` or `595.80` into its numeric parts.
 *
 * @param text `nvmlSystemGetDriverVersion`'s text.
 * @returns The parts, or undefined when the text is not dotted numbers.
 */
export function parseDriverVersion(text: string | undefined): number[] | undefined {
  if (text === undefined || !/^\d+(\.\d+)*$/.test(text.trim())) return undefined;
  return text.trim().split(".").map(Number);
}

/**
 * Compares two parsed versions part by part (a missing part counts as 0).
 *
 * @param a A version.
 * @param b Another version.
 * @returns Negative, zero or positive as a is older, equal or newer.
 */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Whether a driver version is one whose `_v3` process call writes 32-byte entries
 * (535.43.02 up to, not including, 535.98).
 *
 * @param driverVersion The driver version text.
 * @returns True for 535.43 to 535.86.
 */
export function isEarlyR535(driverVersion: string | undefined): boolean {
  const version = parseDriverVersion(driverVersion);
  return version !== undefined && compareVersions(version, EARLY_R535_FROM) >= 0 &&
    compareVersions(version, EARLY_R535_BEFORE) < 0;
}

/**
 * Picks the process call and its entry width from the symbols the library exports and the
 * driver version: `_v3`, else `_v2`, else the unversioned v1. `_v3` entries are 32 bytes when
 * either witness says early R535 (the marker symbols, or the version string), since both
 * agree on every released driver and a library with stripped or added exports still
 * reports its version.
 *
 * @param exports Whether the library exports a symbol.
 * @param driverVersion `nvmlSystemGetDriverVersion`'s text, when it answered.
 * @returns The layout, or undefined when no process call is exported.
 */
export function chooseProcessLayout(
  exports: (symbol: string) => boolean,
  driverVersion: string | undefined,
): ProcessLayout | undefined {
  const [v3, v2, v1] = PROCESS_CALLS;
  if (exports(v3)) {
    const markers = exports("nvmlDeviceGetConfComputeMemSizeInfo") &&
      !exports("nvmlDeviceGetRunningProcessDetailList");
    if (markers) {
      return {
        call: v3,
        entryBytes: 32,
        basis:
          "exports nvmlDeviceGetConfComputeMemSizeInfo but not nvmlDeviceGetRunningProcessDetailList (R535 before 535.98)",
      };
    }
    if (isEarlyR535(driverVersion)) {
      return { call: v3, entryBytes: 32, basis: `driver ${driverVersion} is 535.43 to 535.86` };
    }
    return { call: v3, entryBytes: 24, basis: "nvmlProcessInfo_v2_t entries" };
  }
  if (exports(v2)) return { call: v2, entryBytes: 24, basis: "no _v3 export" };
  if (exports(v1)) return { call: v1, entryBytes: 16, basis: "no _v3 or _v2 export" };
  return undefined;
}

/**
 * Reads the pids from a process-entry buffer (pid is the first `unsigned int` of each entry,
 * little-endian as on every platform NVML ships for).
 *
 * @param bytes The buffer the driver filled.
 * @param count Entries the driver reported.
 * @param entryBytes The layout's entry width.
 * @returns The pids in the driver's order (never reading past the buffer).
 */
export function decodeProcessIds(bytes: Uint8Array, count: number, entryBytes: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = Math.min(count, Math.floor(bytes.byteLength / entryBytes));
  const pids: number[] = [];
  for (let i = 0; i < entries; i++) pids.push(view.getUint32(i * entryBytes, true));
  return pids;
}

/** `sizeof(nvmlDeviceAttributes_t)`. */
export const ATTRIBUTES_BYTES = 40;

/** The fields of `nvmlDeviceAttributes_t` a MIG share is taken from. */
export interface DeviceAttributes {
  multiprocessorCount: number;
  gpuInstanceSliceCount: number;
  computeInstanceSliceCount: number;
  memorySizeMB: number;
}

/**
 * Reads the `nvmlDeviceAttributes_t` that `nvmlDeviceGetAttributes_v2` filled.
 *
 * @param bytes The 40-byte struct.
 * @returns Its SM and slice counts and memory size.
 */
export function decodeAttributes(bytes: Uint8Array): DeviceAttributes {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    multiprocessorCount: view.getUint32(0, true),
    gpuInstanceSliceCount: view.getUint32(24, true),
    computeInstanceSliceCount: view.getUint32(28, true),
    memorySizeMB: Number(view.getBigUint64(32, true)),
  };
}

/**
 * A MIG device's share of its GPU's compute: its compute slices of the GPU's (one per MIG slot:
 * 7 on A100/H100, so the shares of a fully split GPU add up to 1), else its SMs of the GPU's.
 *
 * @param mig The MIG device's attributes.
 * @param parent The GPU's attributes, when NVML gives them.
 * @param slots `nvmlDeviceGetMaxMigDeviceCount` of the GPU.
 * @returns The share in (0, 1] and how it was taken, or undefined when neither is known.
 * @example A 3g.40gb slice of an A100
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { migShare } from "./nvml_abi.ts";
 *
 * const slice = { multiprocessorCount: 42, gpuInstanceSliceCount: 3, computeInstanceSliceCount: 3, memorySizeMB: 40192 };
 * deepEqual(migShare(slice, undefined, 7), { share: 3 / 7, shareBasis: "3 of 7 compute slices" });
 * ```
 */
export function migShare(
  mig: DeviceAttributes,
  parent: DeviceAttributes | undefined,
  slots: number,
): { share: number; shareBasis: string } | undefined {
  if (mig.computeInstanceSliceCount > 0 && slots > 0) {
    return {
      share: Math.min(1, mig.computeInstanceSliceCount / slots),
      shareBasis: `${mig.computeInstanceSliceCount} of ${slots} compute slices`,
    };
  }
  const total = parent?.multiprocessorCount ?? 0;
  if (mig.multiprocessorCount > 0 && total >= mig.multiprocessorCount) {
    return {
      share: mig.multiprocessorCount / total,
      shareBasis: `${mig.multiprocessorCount} of ${total} SMs`,
    };
  }
  return undefined;
}

/** `sizeof(nvmlFieldValue_t)`. */
const FIELD_VALUE_BYTES = 40;
/** `NVML_FI_DEV_POWER_INSTANT`: current power in milliwatts, per scope. */
export const FI_DEV_POWER_INSTANT = 186;
/** `NVML_POWER_SCOPE_GPU` and `NVML_POWER_SCOPE_MODULE`. */
export const PowerScope = { GPU: 0, MODULE: 1 } as const;

/**
 * Builds the `nvmlFieldValue_t` array for `nvmlDeviceGetFieldValues`.
 *
 * @param requests Field id and scope of each value.
 * @returns The zeroed array with `fieldId` and `scopeId` set.
 */
export function encodeFieldRequests(
  requests: readonly { fieldId: number; scopeId: number }[],
): Uint8Array {
  const bytes = new Uint8Array(requests.length * FIELD_VALUE_BYTES);
  const view = new DataView(bytes.buffer);
  requests.forEach(({ fieldId, scopeId }, i) => {
    view.setUint32(i * FIELD_VALUE_BYTES, fieldId, true);
    view.setUint32(i * FIELD_VALUE_BYTES + 4, scopeId, true);
  });
  return bytes;
}

/**
 * Reads one `nvmlFieldValue_t` the driver filled: its own return code and value.
 *
 * @param bytes The array passed to `nvmlDeviceGetFieldValues`.
 * @param index Which entry.
 * @returns The entry's return code, and its value when that code is success.
 */
export function decodeFieldValue(
  bytes: Uint8Array,
  index: number,
): { code: number; value?: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = index * FIELD_VALUE_BYTES;
  const code = view.getUint32(at + 28, true);
  if (code !== NvmlReturn.SUCCESS) return { code };
  const value = at + 32;
  // nvmlValueType_t: 0 double, 1 unsigned int, 2 unsigned long (8 on LP64), 3 unsigned long
  // long, 4 signed long long, 5 signed int.
  switch (view.getUint32(at + 24, true)) {
    case 0:
      return { code, value: view.getFloat64(value, true) };
    case 1:
      return { code, value: view.getUint32(value, true) };
    case 2:
    case 3:
      return { code, value: Number(view.getBigUint64(value, true)) };
    case 4:
      return { code, value: Number(view.getBigInt64(value, true)) };
    case 5:
      return { code, value: view.getInt32(value, true) };
    default:
      return { code: -1 };
  }
}

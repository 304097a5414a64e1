import { deepEqual, equal } from "node:assert/strict";
import {
  chooseProcessLayout,
  compareVersions,
  decodeFieldValue,
  decodeProcessIds,
  encodeFieldRequests,
  FI_DEV_POWER_INSTANT,
  isEarlyR535,
  parseDriverVersion,
  PowerScope,
} from "../../lib/sensors/nvml_abi.ts";

Deno.test("driver versions are compared part by part, as text is never rounded", () => {
  deepEqual(parseDriverVersion("535.54.03"), [535, 54, 3]);
  deepEqual(parseDriverVersion("595.80"), [595, 80]);
  equal(parseDriverVersion("unknown"), undefined);
  equal(compareVersions([535, 104, 5], [535, 98]) > 0, true);
  equal(compareVersions([535, 98], [535, 98, 0]), 0);
});

Deno.test("the 32-byte _v3 entries belong to drivers 535.43 to 535.86 only", () => {
  const early = ["535.43.02", "535.54.03", "535.86.05", "535.86.10"];
  const not = ["530.41.03", "535.98", "535.104.05", "550.54.15", "595.80", "470.199.02", ""];
  deepEqual(early.map(isEarlyR535), early.map(() => true));
  deepEqual(not.map(isEarlyR535), not.map(() => false));
  equal(isEarlyR535(undefined), false);
});

/** A library exporting exactly `symbols`. */
const exporting = (...symbols: string[]) => (name: string) => symbols.includes(name);
const V3 = "nvmlDeviceGetComputeRunningProcesses_v3";
const V2 = "nvmlDeviceGetComputeRunningProcesses_v2";
const V1 = "nvmlDeviceGetComputeRunningProcesses";
const CC = "nvmlDeviceGetConfComputeMemSizeInfo";
const DETAIL = "nvmlDeviceGetRunningProcessDetailList";

Deno.test("the process call and its stride follow the exported symbols, newest first", () => {
  const pick = (has: (s: string) => boolean, version?: string) => {
    const layout = chooseProcessLayout(has, version);
    return layout && [layout.call, layout.entryBytes];
  };
  // R535 early: _v3 and confidential computing, no detail list.
  deepEqual(pick(exporting(V3, V2, V1, CC), "535.54.03"), [V3, 32]);
  // The symbols alone are enough, and the version alone too.
  deepEqual(pick(exporting(V3, V2, V1, CC), undefined), [V3, 32]);
  deepEqual(pick(exporting(V3, V2, V1), "535.86.05"), [V3, 32]);
  // 535.104+ and later branches: the detail list took over the 32-byte struct.
  deepEqual(pick(exporting(V3, V2, V1, CC, DETAIL), "580.65.06"), [V3, 24]);
  // R510/R525: _v3 with v2 entries.
  deepEqual(pick(exporting(V3, V2, V1), "525.147.05"), [V3, 24]);
  // 535.98 dropped _v3; R450-R470 never had it; before R450 only v1.
  deepEqual(pick(exporting(V2, V1, CC), "535.98"), [V2, 24]);
  deepEqual(pick(exporting(V2, V1), "470.199.02"), [V2, 24]);
  deepEqual(pick(exporting(V1), "440.33.01"), [V1, 16]);
  equal(pick(exporting(), "440.33.01"), undefined);
});

Deno.test("reading 32-byte entries with a 24-byte stride gives the garbage tools reported", () => {
  // Three R535-early entries: pid, padding, usedGpuMemory, gi, ci, usedGpuCcProtectedMemory.
  const bytes = new Uint8Array(3 * 32);
  const view = new DataView(bytes.buffer);
  [1184, 16040, 19984].forEach((pid, i) => {
    view.setUint32(i * 32, pid, true);
    view.setBigUint64(i * 32 + 8, 1073741824n, true);
    view.setUint32(i * 32 + 16, 0xFFFFFFFF, true);
    view.setUint32(i * 32 + 20, 0xFFFFFFFF, true);
  });
  deepEqual(decodeProcessIds(bytes, 3, 32), [1184, 16040, 19984]);
  deepEqual(decodeProcessIds(bytes, 3, 24), [1184, 0, 4294967295]);
  // A count larger than the buffer never reads past it.
  deepEqual(decodeProcessIds(bytes, 9, 32), [1184, 16040, 19984]);
});

Deno.test("field values are laid out as nvmlFieldValue_t and decoded by value type", () => {
  const bytes = encodeFieldRequests([
    { fieldId: FI_DEV_POWER_INSTANT, scopeId: PowerScope.GPU },
    { fieldId: FI_DEV_POWER_INSTANT, scopeId: PowerScope.MODULE },
  ]);
  equal(bytes.byteLength, 80);
  const view = new DataView(bytes.buffer);
  deepEqual([view.getUint32(0, true), view.getUint32(4, true)], [186, 0]);
  deepEqual([view.getUint32(40, true), view.getUint32(44, true)], [186, 1]);
  // The driver fills: entry 0 unsigned int 87880 mW; entry 1 NOT_SUPPORTED.
  view.setUint32(24, 1, true);
  view.setUint32(28, 0, true);
  view.setUint32(32, 87880, true);
  view.setUint32(68, 3, true);
  deepEqual(decodeFieldValue(bytes, 0), { code: 0, value: 87880 });
  deepEqual(decodeFieldValue(bytes, 1), { code: 3 });
});

/**
 * The machine's CPU inventory for impact.json: model and vendor from /proc/cpuinfo (x86 and
 * ARM), sockets, cores and threads from the sysfs topology (cpuinfo where it is absent), and the
 * installed memory from /proc/meminfo. Never throws: what cannot be read is left out.
 *
 * @module
 */
import { join } from "node:path";
import type { Runtime, SystemPaths } from "../runtime.ts";
import type { CpuInfo } from "../types.ts";

const ARM_IMPLEMENTERS: Record<string, string> = {
  "0x41": "ARM",
  "0x42": "Broadcom",
  "0x46": "Fujitsu",
  "0x48": "HiSilicon",
  "0x4e": "NVIDIA",
  "0x51": "Qualcomm",
  "0x61": "Apple",
  "0xc0": "Ampere",
};
const ARM_PARTS: Record<string, string> = {
  "0xd03": "Cortex-A53",
  "0xd08": "Cortex-A72",
  "0xd0b": "Cortex-A76",
  "0xd0c": "Neoverse-N1",
  "0xd40": "Neoverse-V1",
  "0xd49": "Neoverse-N2",
  "0xd4f": "Neoverse-V2",
};

/**
 * Parses /proc/cpuinfo (x86 and ARM; ARM has no "model name", only implementer and part).
 *
 * @param text The content of /proc/cpuinfo.
 * @returns Model, vendor, and the sockets/cores/threads cpuinfo can tell.
 * @example Two sockets of an x86 machine
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { parseCpuinfo } from "./cpu_inventory.ts";
 *
 * const block = (cpu: number, socket: number) =>
 *   `processor\t: ${cpu}\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9654\n` +
 *   `physical id\t: ${socket}\ncore id\t: 0\n`;
 * deepEqual(parseCpuinfo([block(0, 0), block(1, 1)].join("\n")), {
 *   model: "AMD EPYC 9654",
 *   vendor: "AuthenticAMD",
 *   threads: 2,
 *   sockets: 2,
 *   cores: 2,
 * });
 * ```
 */
export function parseCpuinfo(text: string): CpuInfo {
  const blocks = text.split(/\n\s*\n/).map((block) => {
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    return fields;
  }).filter((f) => f.has("processor"));
  const info: CpuInfo = {};
  const first = blocks[0];
  const all = (key: string) => blocks.map((b) => b.get(key)).filter((v) => v !== undefined);
  const model = all("model name")[0] ?? all("Processor")[0];
  const implementer = first?.get("CPU implementer")?.toLowerCase();
  const part = first?.get("CPU part")?.toLowerCase();
  const vendor = first?.get("vendor_id") ??
    (implementer ? ARM_IMPLEMENTERS[implementer] ?? `implementer ${implementer}` : undefined);
  if (model) info.model = model;
  else if (implementer && part) info.model = `${vendor} ${ARM_PARTS[part] ?? `part ${part}`}`;
  if (vendor) info.vendor = vendor;
  if (blocks.length > 0) info.threads = blocks.length;
  const sockets = new Set(all("physical id"));
  if (sockets.size > 0) {
    info.sockets = sockets.size;
    const cores = new Set(blocks.map((b) => `${b.get("physical id")}/${b.get("core id")}`));
    info.cores = blocks.every((b) => b.has("core id"))
      ? cores.size
      : sockets.size * Number(/^\d{1,6}$/.exec(first?.get("cpu cores") ?? "")?.[0] ?? 1);
  }
  return info;
}

/**
 * Reads MemTotal from /proc/meminfo.
 *
 * @param text The content of /proc/meminfo.
 * @returns Bytes, or undefined when the line is missing.
 */
function parseMemTotalBytes(text: string): number | undefined {
  const kib = /^MemTotal:\s+(\d+)\s*kB/m.exec(text)?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}

/**
 * Reads the machine's CPU inventory.
 *
 * @param runtime Where files are read.
 * @param paths Where /proc and /sys are.
 * @returns Model, vendor, sockets, cores, threads and memory total, as far as they are readable.
 */
export async function readCpuInventory(runtime: Runtime, paths: SystemPaths): Promise<CpuInfo> {
  const proc = paths.procfsRoot;
  const info = parseCpuinfo(await runtime.readTextFile(join(proc, "cpuinfo")).catch(() => ""));
  const topology = await readTopology(runtime, paths.sysfsRoot);
  if (topology) Object.assign(info, topology);
  const meminfo = await runtime.readTextFile(join(proc, "meminfo")).catch(() => "");
  const memoryTotalBytes = parseMemTotalBytes(meminfo);
  if (memoryTotalBytes !== undefined) info.memoryTotalBytes = memoryTotalBytes;
  return info;
}

/** Sockets, cores and threads from sysfs topology; undefined where it is absent. */
async function readTopology(
  runtime: Runtime,
  sysfsRoot: string,
): Promise<Pick<CpuInfo, "sockets" | "cores" | "threads"> | undefined> {
  const base = join(sysfsRoot, "devices", "system", "cpu");
  let cpus: string[];
  try {
    cpus = (await runtime.readDir(base)).filter((n) => /^cpu\d+$/.test(n));
  } catch {
    return undefined;
  }
  const pairs = await Promise.all(cpus.map(async (cpu) => {
    try {
      const dir = join(base, cpu, "topology");
      const pkg = (await runtime.readTextFile(join(dir, "physical_package_id"))).trim();
      const core = (await runtime.readTextFile(join(dir, "core_id"))).trim();
      // Some ARM firmware reports -1 for the package: one socket.
      return [pkg === "-1" ? "0" : pkg, core] as const;
    } catch {
      return undefined; // offline CPUs have no topology folder
    }
  }));
  const known = pairs.filter((p) => p !== undefined);
  if (known.length === 0) return undefined;
  return {
    sockets: new Set(known.map(([pkg]) => pkg)).size,
    cores: new Set(known.map(([pkg, core]) => `${pkg}/${core}`)).size,
    threads: known.length,
  };
}

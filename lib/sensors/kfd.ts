/**
 * Which processes use which AMD GPU, from the ROCm kernel driver's sysfs (KFD): a process that
 * opened a GPU has `<sysfsRoot>/class/kfd/kfd/proc/<pid>/vram_<gpu_id>`, and
 * `topology/nodes/N/gpu_id` with `properties` (`domain`, `location_id`) tie a gpu id to its PCI
 * address. amd-smi's own process list reads the same files, but costs a Python start per call;
 * these are a few directory listings, done at most every few seconds, in the background.
 *
 * @module
 */
import { join } from "node:path";
import type { Runtime } from "../runtime.ts";

/** The processes on each AMD GPU. */
export interface KfdProcesses {
  /**
   * The last list: KFD gpu id -> process ids. Starts a fresh listing in the background when
   * the last is older than the refresh period.
   */
  pidsByGpuId(): ReadonlyMap<number, number[]>;
  /** KFD gpu ids by PCI address (`0000:c1:00.0`); partitions of one GPU share its address. */
  gpuIdsBySlot(): Promise<Map<string, number[]>>;
  /** Waits for a listing in flight (before closing). */
  settle(): Promise<void>;
}

/**
 * Reads KFD's process and topology folders.
 *
 * @param runtime Where folders are listed and time is taken.
 * @param sysfsRoot The sysfs root (`IMPACT_SYSFS_ROOT`).
 * @param refreshMs The longest a list is kept (default 5 s, as nvidia-smi's compute-apps).
 * @returns The reader.
 */
export function createKfdProcesses(
  runtime: Runtime,
  sysfsRoot: string,
  refreshMs = 5000,
): KfdProcesses {
  const base = join(sysfsRoot, "class", "kfd", "kfd");
  let pids = new Map<number, number[]>();
  let listedAtMs = -Infinity;
  let inFlight: Promise<void> | undefined;

  async function list(): Promise<void> {
    const next = new Map<number, number[]>();
    const procs = await runtime.readDir(join(base, "proc")).catch((): string[] => []);
    await Promise.all(
      procs.filter((p) => /^\d+$/.test(p)).map(async (pid) => {
        const files = await runtime.readDir(join(base, "proc", pid)).catch((): string[] => []);
        for (const file of files) {
          const gpuId = /^vram_(\d+)$/.exec(file)?.[1];
          if (gpuId === undefined) continue;
          const list = next.get(Number(gpuId)) ?? [];
          list.push(Number(pid));
          next.set(Number(gpuId), list);
        }
      }),
    );
    pids = next;
  }

  return {
    pidsByGpuId() {
      if (!inFlight && runtime.monotonicMs() - listedAtMs >= refreshMs) {
        listedAtMs = runtime.monotonicMs();
        inFlight = list().finally(() => inFlight = undefined);
      }
      return pids;
    },
    async gpuIdsBySlot() {
      const nodes = join(base, "topology", "nodes");
      const entries = await runtime.readDir(nodes).catch((): string[] => []);
      const bySlot = new Map<string, number[]>();
      await Promise.all(entries.map(async (node) => {
        const [id, properties] = await Promise.all([
          runtime.readTextFile(join(nodes, node, "gpu_id")).catch(() => "0"),
          runtime.readTextFile(join(nodes, node, "properties")).catch(() => ""),
        ]);
        const gpuId = Number(id.trim());
        const slot = pciSlotOf(properties);
        if (!(gpuId > 0) || slot === undefined) return; // a CPU node
        bySlot.set(slot, [...(bySlot.get(slot) ?? []), gpuId].sort((a, b) => a - b));
      }));
      return bySlot;
    },
    async settle() {
      await inFlight;
    },
  };
}

/**
 * The PCI address a KFD topology node's `properties` give (`domain`, and `location_id` =
 * bus << 8 | device << 3 | function).
 *
 * @param properties The file's content.
 * @returns `0000:c1:00.0`, or undefined without a location.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { pciSlotOf } from "./kfd.ts";
 *
 * equal(pciSlotOf("simd_count 440\nlocation_id 49408\ndomain 0\n"), "0000:c1:00.0");
 * ```
 */
export function pciSlotOf(properties: string): string | undefined {
  const value = (key: string) => {
    const match = new RegExp(`^${key} (\\d+)$`, "m").exec(properties);
    return match ? Number(match[1]) : undefined;
  };
  const location = value("location_id");
  if (location === undefined || location === 0) return undefined;
  const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
  const bus = location >> 8;
  const device = (location >> 3) & 0x1f;
  return `${hex(value("domain") ?? 0, 4)}:${hex(bus, 2)}:${hex(device, 2)}.${location & 7}`;
}

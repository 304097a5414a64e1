/**
 * The job's process tree, machine CPU time and CPU inventory from procfs (`IMPACT_PROCFS_ROOT`,
 * `/proc` by default) and the CPU topology under `<sysfsRoot>/devices/system/cpu`.
 *
 * The tree is re-walked on every call from the job's root PID (through
 * `/proc/PID/task/TID/children`, or a scan of every `/proc/PID/stat` where the kernel lacks
 * CONFIG_PROC_CHILDREN), so children started and ended between reads are seen through their
 * parent's `cutime`/`cstime`.
 *
 * @module
 */

import { join } from "node:path";
import type { Runtime, SystemPaths } from "../runtime.ts";
import type { CpuInfo, JobUsage, SensorStatus, SystemCpu } from "../types.ts";
import { unavailableStatus } from "./status.ts";
import { SensorError } from "./types.ts";

const SENSOR = "procfs";
/** USER_HZ: 100 on every mainstream Linux build (x86_64, arm64). */
const DEFAULT_CLOCK_TICKS = 100;
const PAGE_BYTES = 4096;

/** Reads the job's tree, the machine's CPU time and its inventory. */
export interface ProcfsReader {
  /**
   * Cumulative CPU time and current memory of `rootPid` and all its descendants: memory is
   * `pss` when every process's smaps_rollup was readable, else `rss` (shared pages counted
   * per process).
   */
  jobUsage(rootPid: number): Promise<JobUsage>;
  /** Cumulative machine CPU time. */
  systemCpu(): Promise<SystemCpu>;
  /**
   * CPU seconds of the children this process has waited for (`<procfs>/self/stat`
   * cutime+cstime). The tracker waits for the job, so this grows by the job's whole tree
   * time when it is reaped, including the last stretch after the final `jobUsage` read.
   */
  reapedChildrenCpuSeconds(): Promise<number>;
  /** CPU model, vendor, sockets, cores, threads and memory total. */
  cpuInfo(): Promise<CpuInfo>;
  /** Whether /proc is readable; never throws. */
  probe(): Promise<SensorStatus>;
}

/** Fields of `/proc/PID/stat` the reader uses (times in clock ticks). */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
  starttime: number;
  rssPages: number;
}

/**
 * Parses `/proc/PID/stat`. `comm` may hold spaces and ')' so fields are split after the last ')'.
 *
 * @param text The file's content.
 * @param path The file, for error messages.
 * @returns The fields used for CPU time and the tree.
 */
export function parseProcStat(text: string, path: string): ProcStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`No "(comm)" field in ${path}`);
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const field = (n: number, name: string) => {
    const value = Number(rest[n - 3]);
    if (rest[n - 3] === undefined || !Number.isFinite(value)) {
      throw new Error(`Field ${n} (${name}) of ${path} is "${rest[n - 3]}", not a number`);
    }
    return value;
  };
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    ppid: field(4, "ppid"),
    utime: field(14, "utime"),
    stime: field(15, "stime"),
    cutime: field(16, "cutime"),
    cstime: field(17, "cstime"),
    starttime: field(22, "starttime"),
    rssPages: field(24, "rss"),
  };
}

/**
 * Parses the aggregate `cpu` line and counts the per-CPU lines of /proc/stat.
 *
 * @param text The content of /proc/stat.
 * @param clockTicks Ticks per second (USER_HZ).
 * @returns Cumulative busy and total seconds and the CPU count.
 */
export function parseSystemStat(text: string, clockTicks = DEFAULT_CLOCK_TICKS): SystemCpu {
  const lines = text.split("\n");
  const cpuLine = lines.find((l) => /^cpu\s/.test(l));
  if (!cpuLine) throw new Error(`No aggregate "cpu" line in /proc/stat`);
  // user nice system idle iowait irq softirq steal; guest and guest_nice are inside user/nice.
  const ticks = cpuLine.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 4 || ticks.some((t) => !Number.isFinite(t))) {
    throw new Error(`Malformed "cpu" line in /proc/stat: "${cpuLine}"`);
  }
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return {
    busySeconds: (total - idle) / clockTicks,
    totalSeconds: total / clockTicks,
    cpus: lines.filter((l) => /^cpu\d+\s/.test(l)).length,
  };
}

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
      : sockets.size * Number(first?.get("cpu cores") ?? 1);
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

interface Member {
  starttime: number;
  ppid: number;
  /** utime+stime+cutime+cstime at the last read. */
  ticks: number;
}

/**
 * Creates the procfs reader.
 *
 * @param runtime Where files are read.
 * @param paths Where /proc and /sys are.
 * @param options Clock ticks per second (USER_HZ, 100 unless the caller knows better).
 * @returns The reader.
 */
export function createProcfsReader(
  runtime: Runtime,
  paths: SystemPaths,
  options: { clockTicksPerSecond?: number } = {},
): ProcfsReader {
  const proc = paths.procfsRoot;
  const clockTicks = options.clockTicksPerSecond ?? DEFAULT_CLOCK_TICKS;
  let members = new Map<number, Member>();
  let carriedTicks = 0;
  let reportedTicks = 0;
  let scanAll = false;

  const readStat = async (pid: number): Promise<ProcStat | undefined> => {
    const path = join(proc, String(pid), "stat");
    let text: string;
    try {
      text = await runtime.readTextFile(path);
    } catch {
      return undefined; // exited since it was listed
    }
    return parseProcStat(text, path);
  };

  const childrenOf = async (pid: number): Promise<number[] | undefined> => {
    try {
      const tids = await runtime.readDir(join(proc, String(pid), "task"));
      const lists = await Promise.all(
        tids.map((tid) => runtime.readTextFile(join(proc, String(pid), "task", tid, "children"))),
      );
      return lists.join(" ").split(/\s+/).filter((s) => s !== "").map(Number);
    } catch {
      // The process may have exited, or the kernel has no children files
      // (CONFIG_PROC_CHILDREN off): only the main thread's file tells them apart.
      const main = join(proc, String(pid), "task", String(pid), "children");
      const hasFile = await runtime.readTextFile(main).then(() => true, () => false);
      if (!hasFile && (await readStat(pid)) !== undefined) scanAll = true;
      return undefined;
    }
  };

  // Every process on the machine, for kernels without children files.
  const scan = async (): Promise<Map<number, ProcStat>> => {
    const pids = (await runtime.readDir(proc)).filter((n) => /^\d+$/.test(n)).map(Number);
    const stats = await Promise.all(pids.map(readStat));
    return new Map(stats.filter((s) => s !== undefined).map((s) => [s.pid, s]));
  };

  const walk = async (rootPid: number): Promise<Map<number, ProcStat>> => {
    // Start from the root and from every member still alive: a child whose parent exited
    // is re-parented outside the tree (to init or a subreaper) but is still the job's.
    const starts = [rootPid, ...members.keys()];
    const tree = new Map<number, ProcStat>();
    const all = scanAll ? await scan() : undefined;
    const kids = new Map<number, number[]>();
    if (all) {
      for (const s of all.values()) kids.set(s.ppid, [...kids.get(s.ppid) ?? [], s.pid]);
    }
    const queue = [...starts];
    while (queue.length > 0) {
      const pid = queue.shift()!;
      if (tree.has(pid)) continue;
      const stat = all ? all.get(pid) : await readStat(pid);
      if (!stat) continue;
      const known = members.get(pid);
      if (known && known.starttime !== stat.starttime && pid !== rootPid) continue; // PID reused
      tree.set(pid, stat);
      const children = all ? kids.get(pid) : await childrenOf(pid);
      if (!all && scanAll) return walk(rootPid); // switched to scanning mid-walk
      queue.push(...(children ?? []));
    }
    return tree;
  };

  const memoryOf = async (pids: number[], tree: Map<number, ProcStat>) => {
    const pss = await Promise.all(pids.map(async (pid) => {
      try {
        const text = await runtime.readTextFile(join(proc, String(pid), "smaps_rollup"));
        const kib = /^Pss:\s+(\d+)\s*kB/m.exec(text)?.[1];
        return kib === undefined ? undefined : Number(kib) * 1024;
      } catch {
        return undefined;
      }
    }));
    if (pids.length > 0 && pss.every((v) => v !== undefined)) {
      return { memoryBytes: pss.reduce((a, b) => a + b, 0), memoryKind: "pss" as const };
    }
    const rss = await Promise.all(pids.map(async (pid) => {
      try {
        const text = await runtime.readTextFile(join(proc, String(pid), "status"));
        const kib = /^VmRSS:\s+(\d+)\s*kB/m.exec(text)?.[1];
        if (kib !== undefined) return Number(kib) * 1024;
      } catch {
        // fall through to the stat rss field
      }
      return (tree.get(pid)?.rssPages ?? 0) * PAGE_BYTES;
    }));
    return { memoryBytes: rss.reduce((a, b) => a + b, 0), memoryKind: "rss" as const };
  };

  return {
    async jobUsage(rootPid) {
      const tree = await walk(rootPid);
      const current = new Map<number, Member>();
      for (const s of tree.values()) {
        current.set(s.pid, {
          starttime: s.starttime,
          ppid: s.ppid,
          ticks: s.utime + s.stime + s.cutime + s.cstime,
        });
      }
      // A member that vanished was either waited for by an ancestor still in the tree (its
      // whole time is now in that ancestor's cutime/cstime, counted below) or reaped outside
      // the tree (re-parented to init/a subreaper): only then is its last-seen time carried.
      // Its chain of parents as last seen decides, so each tick is counted exactly once.
      // (A parent that ignores SIGCHLD gets no cutime for its children: that time is lost.)
      for (const [pid, gone] of members) {
        const alive = current.get(pid);
        if (alive && alive.starttime === gone.starttime) continue;
        let parent = members.get(gone.ppid) ? gone.ppid : undefined;
        let reapedInTree = false;
        const visited = new Set<number>();
        while (parent !== undefined && !visited.has(parent)) {
          visited.add(parent);
          const parentNow = current.get(parent);
          if (parentNow && parentNow.starttime === members.get(parent)?.starttime) {
            reapedInTree = true;
            break;
          }
          const up = members.get(parent)?.ppid;
          parent = up !== undefined && members.has(up) ? up : undefined;
        }
        if (!reapedInTree) carriedTicks += gone.ticks;
      }
      members = current;
      let ticks = carriedTicks;
      for (const m of current.values()) ticks += m.ticks;
      // Between a child's exit and its parent's wait the child's last interval is in neither
      // place; never report less than before.
      reportedTicks = Math.max(reportedTicks, ticks);
      const pids = [...tree.keys()].sort((a, b) => a - b);
      return { cpuSeconds: reportedTicks / clockTicks, ...await memoryOf(pids, tree), pids };
    },
    async systemCpu() {
      const path = join(proc, "stat");
      try {
        return parseSystemStat(await runtime.readTextFile(path), clockTicks);
      } catch (error) {
        throw new SensorError(SENSOR, `cannot read ${path}: ${messageOf(error)}`, { cause: error });
      }
    },
    async reapedChildrenCpuSeconds() {
      const path = join(proc, "self", "stat");
      try {
        const stat = parseProcStat(await runtime.readTextFile(path), path);
        return (stat.cutime + stat.cstime) / clockTicks;
      } catch (error) {
        throw new SensorError(SENSOR, `cannot read ${path}: ${messageOf(error)}`, { cause: error });
      }
    },
    async cpuInfo() {
      const info = parseCpuinfo(await runtime.readTextFile(join(proc, "cpuinfo")).catch(() => ""));
      const topology = await readTopology(runtime, paths.sysfsRoot);
      if (topology) Object.assign(info, topology);
      const meminfo = await runtime.readTextFile(join(proc, "meminfo")).catch(() => "");
      const memoryTotalBytes = parseMemTotalBytes(meminfo);
      if (memoryTotalBytes !== undefined) info.memoryTotalBytes = memoryTotalBytes;
      return info;
    },
    async probe() {
      const path = join(proc, "stat");
      try {
        const cpu = parseSystemStat(await runtime.readTextFile(path), clockTicks);
        return {
          sensor: SENSOR,
          available: true,
          methods: [],
          devices: [],
          detail: { procfsRoot: proc, clockTicksPerSecond: clockTicks, cpus: cpu.cpus },
        };
      } catch (error) {
        return unavailableStatus(SENSOR, `Cannot read ${path}: ${messageOf(error)}`, {
          fix: "Run on Linux with /proc mounted, or set IMPACT_PROCFS_ROOT to where it is",
        });
      }
    },
  };
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

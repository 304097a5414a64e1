/**
 * A fake `/proc` tree for tests (cpuinfo, meminfo, stat, and processes with their children),
 * written as plain files in a folder the test owns. Point the code under test at it with
 * `IMPACT_PROCFS_ROOT` (or a `SystemPaths` object).
 *
 * @module
 */

import { join } from "node:path";
import type { SystemPaths } from "../../lib/runtime.ts";

/**
 * Paths for a fake machine under `root`: `<root>/proc` and `<root>/sys`, no cgroup mount.
 *
 * @param root The folder holding the fake trees.
 * @returns The paths the readers take.
 */
export function fakeMachinePaths(root: string): SystemPaths {
  return {
    sysfsRoot: join(root, "sys"),
    procfsRoot: join(root, "proc"),
    cgroupRoot: "/nonexistent",
    nvidiaSmi: "nvidia-smi",
    nvmlLibrary: "libnvidia-ml.so.1",
  };
}

/** One process of a fake /proc tree. Times in clock ticks (100 per second). */
export interface FakeProcess {
  pid: number;
  ppid: number;
  /** Command name; may contain spaces and parentheses like the real `comm`. */
  comm?: string;
  utimeTicks?: number;
  stimeTicks?: number;
  /** Times of waited-for (reaped) children. */
  cutimeTicks?: number;
  cstimeTicks?: number;
  /** Start time in ticks since boot (identity against PID reuse). Defaults to the pid. */
  starttimeTicks?: number;
  /** Resident set, KiB (status VmRSS and the stat rss field). */
  rssKib?: number;
  /** Proportional set, KiB, in smaps_rollup; omitted: no smaps_rollup (RSS fallback). */
  pssKib?: number;
  /** Thread ids besides the main one (each readable at /proc/TID, as the kernel allows). */
  threads?: number[];
  /** The thread of its parent that started it (its parent's pid by default). */
  parentTid?: number;
}

/** What {@link createFakeProc} writes. */
export interface FakeProcSpec {
  /** Logical CPUs in /proc/stat and /proc/cpuinfo (default 4). */
  cpus?: number;
  /** /proc/cpuinfo text; default: an Intel block per CPU from {@link fakeCpuinfo}. */
  cpuinfo?: string;
  /** MemTotal in KiB (default 16 GiB). */
  memTotalKib?: number;
  processes?: FakeProcess[];
  /** Write task/<pid>/children files (CONFIG_PROC_CHILDREN); default true. */
  childrenFiles?: boolean;
}

/** Cumulative /proc/stat counters of the aggregate `cpu` line, in ticks. */
export interface FakeCpuTicks {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

/** Handle on a fake /proc tree. */
export interface FakeProc {
  /** The procfs root to use as `IMPACT_PROCFS_ROOT`. */
  root: string;
  /**
   * Moves the PID counter (/proc/loadavg's last PID and /proc/stat's `processes`) as the kernel
   * would after `forks` PIDs were handed out, the last being `lastPid`. Adding a process or
   * thread with a larger PID moves it too.
   */
  setPidCounter(lastPid: number, forks: number): Promise<void>;
  /**
   * Adds or replaces a process (and rewrites its parent's children file). Its schedstat
   * changes too (it ran), unless `ran` is false: a change made while it slept, such as being
   * re-parented.
   */
  setProcess(process: FakeProcess, options?: { ran?: boolean }): Promise<void>;
  /** Removes a process without anyone reaping it (its time is lost, as with init). */
  removeProcess(pid: number): Promise<void>;
  /** Child exits and its parent waits for it: child's times move into the parent's cutime/cstime. */
  reap(pid: number): Promise<void>;
  /** Sets the cumulative aggregate counters of /proc/stat (per-CPU lines split evenly). */
  setCpuTicks(ticks: Partial<FakeCpuTicks>): Promise<void>;
}

/**
 * Builds a /proc/cpuinfo text.
 *
 * @param options Model, vendor and shape of the machine.
 * @returns The text, one block per logical CPU.
 */
export function fakeCpuinfo(options: {
  model?: string;
  vendor?: string;
  sockets?: number;
  coresPerSocket?: number;
  threadsPerCore?: number;
} = {}): string {
  const sockets = options.sockets ?? 1;
  const cores = options.coresPerSocket ?? 2;
  const threads = options.threadsPerCore ?? 2;
  const blocks: string[] = [];
  let processor = 0;
  for (let s = 0; s < sockets; s++) {
    for (let t = 0; t < threads; t++) {
      for (let c = 0; c < cores; c++) {
        blocks.push([
          `processor\t: ${processor++}`,
          `vendor_id\t: ${options.vendor ?? "GenuineIntel"}`,
          "cpu family\t: 6",
          `model name\t: ${options.model ?? "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz"}`,
          `physical id\t: ${s}`,
          `siblings\t: ${cores * threads}`,
          `core id\t\t: ${c}`,
          `cpu cores\t: ${cores}`,
          "flags\t\t: fpu vme de pse tsc msr",
          "",
        ].join("\n"));
      }
    }
  }
  return blocks.join("\n");
}

/**
 * Writes a fake /proc tree: stat, cpuinfo, meminfo and one folder per process.
 *
 * @param root The fake procfs root (a temp dir).
 * @param spec What to write.
 * @returns A handle that changes processes and CPU counters.
 */
export async function createFakeProc(root: string, spec: FakeProcSpec = {}): Promise<FakeProc> {
  const cpus = spec.cpus ?? 4;
  const childrenFiles = spec.childrenFiles ?? true;
  const processes = new Map<number, FakeProcess>();
  const ticks: FakeCpuTicks = {
    user: 1000,
    nice: 0,
    system: 500,
    idle: 8000,
    iowait: 100,
    irq: 0,
    softirq: 0,
    steal: 0,
  };
  await Deno.mkdir(root, { recursive: true });
  await Deno.writeTextFile(
    join(root, "cpuinfo"),
    spec.cpuinfo ?? fakeCpuinfo({
      sockets: 1,
      coresPerSocket: Math.max(1, cpus / 2),
      threadsPerCore: cpus >= 2 ? 2 : 1,
    }),
  );
  const memKib = spec.memTotalKib ?? 16 * 1024 * 1024;
  await Deno.writeTextFile(
    join(root, "meminfo"),
    `MemTotal:       ${memKib} kB\nMemFree:        ${Math.floor(memKib / 2)} kB\n` +
      `MemAvailable:   ${Math.floor(memKib / 2)} kB\n`,
  );

  const writeStat = async () => {
    const order: Array<keyof FakeCpuTicks> = [
      "user",
      "nice",
      "system",
      "idle",
      "iowait",
      "irq",
      "softirq",
      "steal",
    ];
    const line = (label: string, divide: number) =>
      `${label} ${order.map((k) => Math.floor(ticks[k] / divide)).join(" ")} 0 0`;
    const lines = [line("cpu ", 1)];
    for (let i = 0; i < cpus; i++) lines.push(line(`cpu${i}`, cpus));
    lines.push("intr 12345 0 0", "ctxt 99999", "btime 1700000000", `processes ${counter.forks}`);
    await Deno.writeTextFile(join(root, "stat"), lines.join("\n") + "\n");
    await Deno.writeTextFile(join(root, "loadavg"), `0.10 0.20 0.30 1/80 ${counter.lastPid}\n`);
  };
  // The kernel's PID counter: every new process or thread takes the next PID.
  const counter = { lastPid: 300, forks: 4242 };
  const countPid = (pid: number) => {
    if (pid <= counter.lastPid) return;
    counter.forks += pid - counter.lastPid;
    counter.lastPid = pid;
  };

  const writeChildren = async (pid: number) => {
    const parent = processes.get(pid);
    if (!childrenFiles || !parent) return;
    for (const tid of [pid, ...parent.threads ?? []]) {
      const kids = [...processes.values()]
        .filter((p) => p.ppid === pid && (p.parentTid ?? pid) === tid)
        .map((p) => `${p.pid} `);
      const dir = join(root, String(pid), "task", String(tid));
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(join(dir, "children"), kids.join(""));
    }
  };

  // Times each process was scheduled in: its schedstat changes whenever it runs.
  const runs = new Map<number, number>();
  const writeProcess = async (p: FakeProcess, ran = true) => {
    const dir = join(root, String(p.pid));
    await Deno.mkdir(dir, { recursive: true });
    if (ran || !runs.has(p.pid)) {
      runs.set(p.pid, (runs.get(p.pid) ?? 0) + 1);
      const runNs = ((p.utimeTicks ?? 0) + (p.stimeTicks ?? 0)) * 10_000_000;
      await Deno.writeTextFile(join(dir, "schedstat"), `${runNs} 0 ${runs.get(p.pid)}\n`);
    }
    const rssKib = p.rssKib ?? 1024;
    const fields = [
      "S",
      p.ppid,
      p.pid,
      p.pid,
      0,
      -1,
      4194304,
      100,
      0,
      0,
      0,
      p.utimeTicks ?? 0,
      p.stimeTicks ?? 0,
      p.cutimeTicks ?? 0,
      p.cstimeTicks ?? 0,
      20,
      0,
      1 + (p.threads?.length ?? 0),
      0,
      p.starttimeTicks ?? p.pid,
      100_000_000,
      Math.floor(rssKib / 4),
      "18446744073709551615",
    ];
    const stat = `${p.pid} (${p.comm ?? "job"}) ${fields.join(" ")} ` +
      "0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
    const status = (tid: number) =>
      `Name:\t${p.comm ?? "job"}\nTgid:\t${p.pid}\nPid:\t${tid}\nPPid:\t${p.ppid}\n` +
      `VmRSS:\t${rssKib} kB\n`;
    await Deno.writeTextFile(join(dir, "stat"), stat);
    await Deno.writeTextFile(join(dir, "status"), status(p.pid));
    // A thread's /proc/TID shows its process's figures under the thread's id.
    for (const tid of p.threads ?? []) {
      await Deno.mkdir(join(root, String(tid)), { recursive: true });
      await Deno.writeTextFile(join(root, String(tid), "stat"), stat.replace(/^\d+/, String(tid)));
      await Deno.writeTextFile(join(root, String(tid), "status"), status(tid));
      countPid(tid);
    }
    countPid(p.pid);
    if (p.pssKib !== undefined) {
      await Deno.writeTextFile(
        join(dir, "smaps_rollup"),
        `00400000-7fff00000000 ---p 00000000 00:00 0    [rollup]\nRss:  ${rssKib} kB\n` +
          `Pss:  ${p.pssKib} kB\nShared_Clean:  0 kB\n`,
      );
    }
    await writeChildren(p.pid);
  };

  const handle: FakeProc = {
    root,
    async setPidCounter(lastPid, forks) {
      Object.assign(counter, { lastPid, forks });
      await writeStat();
    },
    async setProcess(process, options = {}) {
      const before = processes.get(process.pid);
      processes.set(process.pid, { ...process });
      await writeProcess(process, options.ran ?? true);
      await writeChildren(process.ppid);
      if (before && before.ppid !== process.ppid) await writeChildren(before.ppid);
      await writeStat();
    },
    async removeProcess(pid) {
      const p = processes.get(pid);
      processes.delete(pid);
      for (const id of [pid, ...p?.threads ?? []]) {
        await Deno.remove(join(root, String(id)), { recursive: true }).catch(() => {});
      }
      if (p) await writeChildren(p.ppid);
    },
    async reap(pid) {
      const child = processes.get(pid);
      if (!child) throw new Error(`Fake proc has no process ${pid}`);
      const parent = processes.get(child.ppid);
      await handle.removeProcess(pid);
      if (!parent) return;
      parent.cutimeTicks = (parent.cutimeTicks ?? 0) + (child.utimeTicks ?? 0) +
        (child.cutimeTicks ?? 0);
      parent.cstimeTicks = (parent.cstimeTicks ?? 0) + (child.stimeTicks ?? 0) +
        (child.cstimeTicks ?? 0);
      await writeProcess(parent);
    },
    async setCpuTicks(update) {
      Object.assign(ticks, update);
      await writeStat();
    },
  };
  for (const p of spec.processes ?? []) processes.set(p.pid, { ...p });
  for (const p of processes.values()) await writeProcess(p);
  await writeStat();
  return handle;
}

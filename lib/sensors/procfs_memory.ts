/**
 * The job's memory as proportional set size (PSS), process by process, at a bounded cost.
 *
 * `/proc/PID/smaps_rollup` walks the page tables of the whole process: about 0.2 ms for a
 * small Python worker, tens of ms for a process mapping tens of GB. Reading it for every
 * process every interval was most of the tracker's cost on a tree of hundreds of processes, so
 * PSS is read at a slower cadence than CPU time:
 * - a process's PSS is re-read once its last read is older than {@link PssOptions.refreshFactor}
 *   times what that read cost (a 0.2 ms read every 0.2 s, a 10 ms read every 10 s);
 * - each interval spends at most {@link PssOptions.budgetMs} on these reads, processes never
 *   read first (one of each group of siblings with the same command name, then by RSS), then
 *   the stalest;
 * - between reads a process's PSS follows its RSS (read every interval from `/proc/PID/stat`,
 *   free with the CPU time): its PSS at the last read plus what its RSS gained or lost since;
 * - a process not read yet counts its RSS times the PSS/RSS ratio of its siblings read with
 *   the same command name (forked workers share their pages alike), else of the processes read
 *   with that name, else of all read ones, and is counted in `estimatedProcesses`;
 * - a process that vanished mid-read is skipped (it no longer holds memory); one whose file is
 *   unreadable (another user's, or a kernel before 4.14) counts as not read.
 *
 * When no process's PSS could be read at all, the figure is the sum of RSS (`kind: "rss"`),
 * which counts every shared page once per process.
 *
 * @module
 */
import { join } from "node:path";
import type { Runtime } from "../runtime.ts";
import { parsePssBytes, type ProcStat } from "./procfs_parse.ts";

const PAGE_BYTES = 4096;

/** Siblings with the same command name: forked workers, alike in what they share. */
const groupOf = (stat: ProcStat) => `${stat.ppid} ${stat.comm}`;

/** How much PSS reading may cost. */
export interface PssOptions {
  /**
   * Milliseconds of smaps_rollup reads per call, at most (one read may run past it, and reads go
   * on until one PSS is known). Default 1.
   */
  budgetMs?: number;
  /** A PSS is re-read after this many times its last read's cost has passed. Default 1000. */
  refreshFactor?: number;
}

/**
 * The PSS cadence in force: the options given, else the defaults.
 *
 * @param options What was given.
 * @returns Both limits.
 */
export function pssCadence(options: PssOptions = {}): Required<PssOptions> {
  return { budgetMs: options.budgetMs ?? 1, refreshFactor: options.refreshFactor ?? 1000 };
}

/** The job's memory at one walk. */
export interface MemoryReading {
  memoryBytes: number;
  /** `pss` when at least one process's PSS is known, else `rss`. */
  memoryKind: "pss" | "rss";
  /** With `pss`: processes whose share is estimated from their RSS (PSS not read yet). */
  estimatedProcesses: number;
}

/** Tracks the PSS of a changing set of processes. */
export interface PssTracker {
  /**
   * The memory of `processes` now (as the latest walk read them), reading what PSS the
   * budget allows.
   */
  measure(processes: Map<number, ProcStat>): Promise<MemoryReading>;
}

interface PssEntry {
  starttime: number;
  pssBytes: number;
  rssBytes: number;
  readMs: number;
  costMs: number;
}

/**
 * Creates the PSS tracker.
 *
 * @param runtime Where files are read; its monotonic clock times the reads.
 * @param proc The procfs root.
 * @param options The cost limits.
 * @returns The tracker.
 */
export function createPssTracker(
  runtime: Runtime,
  proc: string,
  options: PssOptions = {},
): PssTracker {
  const { budgetMs, refreshFactor } = pssCadence(options);
  const entries = new Map<number, PssEntry>();
  // `pid:starttime` of processes whose smaps_rollup cannot be read: not tried again.
  const unreadable = new Set<string>();
  const rssOf = (stat: ProcStat) => stat.rssPages * PAGE_BYTES;

  /** Reads one PSS; false when the process vanished. */
  const readPss = async (stat: ProcStat, nowMs: number): Promise<boolean> => {
    const startMs = runtime.monotonicMs();
    let text: string;
    try {
      text = await runtime.readTextFile(join(proc, String(stat.pid), "smaps_rollup"));
    } catch {
      // Gone, or unreadable while alive (permissions, no smaps_rollup): its stat tells which.
      const alive = await runtime.readTextFile(join(proc, String(stat.pid), "stat"))
        .then(() => true, () => false);
      if (alive) unreadable.add(`${stat.pid}:${stat.starttime}`);
      entries.delete(stat.pid);
      return alive;
    }
    const pssBytes = parsePssBytes(text);
    if (pssBytes === undefined) { // a zombie maps nothing
      entries.delete(stat.pid);
      return false;
    }
    const costMs = runtime.monotonicMs() - startMs;
    entries.set(stat.pid, {
      starttime: stat.starttime,
      pssBytes,
      rssBytes: rssOf(stat),
      readMs: nowMs,
      costMs,
    });
    return true;
  };

  return {
    async measure(processes) {
      for (const [pid, entry] of entries) {
        if (processes.get(pid)?.starttime !== entry.starttime) entries.delete(pid);
      }
      const nowMs = runtime.monotonicMs();
      const unread: ProcStat[] = [];
      const stale: ProcStat[] = [];
      for (const stat of processes.values()) {
        const entry = entries.get(stat.pid);
        if (entry) {
          if (nowMs - entry.readMs >= entry.costMs * refreshFactor) stale.push(stat);
        } else if (!unreadable.has(`${stat.pid}:${stat.starttime}`)) unread.push(stat);
      }
      // The largest of each group of siblings first, so every group soon has its own ratio.
      unread.sort((a, b) => b.rssPages - a.rssPages);
      const groups = new Set<string>();
      const firsts = unread.filter((stat) =>
        !groups.has(groupOf(stat)) && groups.add(groupOf(stat))
      );
      const first = new Set(firsts);
      const rest = unread.filter((stat) => !first.has(stat));
      stale.sort((a, b) => entries.get(a.pid)!.readMs - entries.get(b.pid)!.readMs);
      const vanished = new Set<number>();
      for (const stat of [...firsts, ...rest, ...stale]) {
        // Past the budget once some PSS is known: a tree whose first reads all fail (short-
        // lived processes gone) would otherwise count as RSS, many times too much.
        if (runtime.monotonicMs() - nowMs >= budgetMs && entries.size > 0) break;
        if (!await readPss(stat, nowMs)) vanished.add(stat.pid);
      }
      return total(processes, vanished);
    },
  };

  function total(processes: Map<number, ProcStat>, vanished: Set<number>): MemoryReading {
    // PSS and RSS of what was read, by group of siblings, by command name and overall.
    const sums = new Map<string, { pss: number; rss: number }>();
    const add = (key: string, entry: PssEntry) => {
      const sum = sums.get(key) ?? { pss: 0, rss: 0 };
      sum.pss += entry.pssBytes;
      sum.rss += entry.rssBytes;
      sums.set(key, sum);
    };
    for (const [pid, entry] of entries) {
      const stat = processes.get(pid)!;
      add(groupOf(stat), entry);
      add(`comm ${stat.comm}`, entry);
      add("all", entry);
    }
    const ratioOf = (stat: ProcStat) => {
      for (const key of [groupOf(stat), `comm ${stat.comm}`, "all"]) {
        const sum = sums.get(key);
        if (sum && sum.rss > 0) return sum.pss / sum.rss;
      }
      return 1;
    };
    let memoryBytes = 0;
    let estimatedProcesses = 0;
    for (const stat of processes.values()) {
      if (vanished.has(stat.pid)) continue;
      const entry = entries.get(stat.pid);
      if (entry) {
        memoryBytes += Math.max(0, entry.pssBytes + rssOf(stat) - entry.rssBytes);
      } else {
        memoryBytes += rssOf(stat) * ratioOf(stat);
        estimatedProcesses++;
      }
    }
    const memoryKind = entries.size > 0 ? "pss" : "rss";
    return {
      memoryBytes: Math.round(memoryBytes),
      memoryKind,
      estimatedProcesses: memoryKind === "pss" ? estimatedProcesses : 0,
    };
  }
}

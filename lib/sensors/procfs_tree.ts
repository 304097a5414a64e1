/**
 * The job's process tree and its cumulative CPU time, at a cost that follows what changed.
 *
 * Each walk re-reads `/proc/PID/stat` of the processes it already knows (their CPU time is
 * needed anyway) and looks for new ones only where they can be:
 * - **by PID range** (the usual case): PIDs are handed out in increasing order, so a process
 *   created since the last walk has a PID between the last walk's `/proc/loadavg` last PID and
 *   this one's. Each such PID is read once; it joins the tree when its parent is in it (a
 *   thread of a member, readable at /proc/TID though never listed, is told apart by its
 *   `Tgid`). The machine's fork count (`processes` in /proc/stat) tells when the PIDs may have
 *   wrapped; then, or when the range is larger than the tree, or on the first walk:
 * - **by children lists** from every member (`/proc/PID/task/TID/children`, one file per
 *   thread, CONFIG_PROC_CHILDREN);
 * - **by a scan** of every `/proc/PID/stat` where the kernel has no children lists.
 *
 * CPU time counts what the kernel accumulates: a child that starts and ends between two walks
 * is in its parent's `cutime`/`cstime` once the parent waits for it. A member that vanished is
 * counted through its parent when an ancestor in the tree is still alive to have reaped it,
 * else its last-seen time is carried (re-parented and reaped outside the tree). A process that
 * double-forks away before any walk saw it is not the tree's: that is what a job cgroup sees.
 *
 * @module
 */
import type { KernelFile, Runtime } from "../runtime.ts";
import {
  parseChildren,
  parseForkCount,
  parseLastPid,
  parseProcStat,
  parseStatusTgid,
  type ProcStat,
} from "./procfs_parse.ts";

/** How a walk found the tree's new processes. */
export type Discovery = "range" | "children" | "scan" | "none";

/** The tree at one walk. */
export interface TreeReading {
  /** The tree's live processes (zombies included), by PID. */
  processes: Map<number, ProcStat>;
  /** Cumulative CPU ticks of the tree since the first walk saw it, reaped children included. */
  ticks: number;
  /** How this walk looked for new processes (`none`: the tree is gone). */
  discovery: Discovery;
}

/** Walks one job's tree; keeps what it learnt between walks. */
export interface TreeWalker {
  /** Reads the tree rooted at `rootPid` (the root and every process it or they started). */
  walk(rootPid: number): Promise<TreeReading>;
  /** Closes the members' stat files kept open between walks. */
  close(): void;
}

/** The PID counter's position: where the next walk's range starts. */
interface PidCursor {
  lastPid: number;
  forks: number;
}

/** A member's stat and schedstat, kept open, and the schedstat read before its last stat. */
interface MemberFiles {
  stat: KernelFile;
  sched?: KernelFile | undefined;
  schedBeforeStat?: string | undefined;
}

function openOptional(open: (path: string) => KernelFile, path: string): KernelFile | undefined {
  try {
    return open(path);
  } catch {
    return undefined; // no schedstat (CONFIG_SCHED_INFO off): every walk reads stat
  }
}

/** Forks that may land between the reads of /proc/loadavg and /proc/stat. */
const CURSOR_SLACK = 256;
/** A range probe may read this many PIDs beyond the tree's size before a children walk is cheaper. */
const RANGE_ALLOWANCE = 64;

/**
 * Creates a walker over the procfs at `proc`.
 *
 * @param runtime Where files are read.
 * @param proc The procfs root (`/proc`, or a fake tree).
 * @returns The walker.
 */
export function createTreeWalker(runtime: Runtime, proc: string): TreeWalker {
  let members = new Map<number, ProcStat>();
  let cursor: PidCursor | undefined;
  // Unknown until a live process is seen without one.
  let childrenFiles = true;
  let carriedTicks = 0;
  let reportedTicks = 0;
  // Members' files, kept open: re-reading them is most of a walk's cost.
  const files = new Map<number, MemberFiles>();

  const read = (...parts: (string | number)[]) =>
    runtime.readTextFile(`${proc}/${parts.join("/")}`);

  const readStat = async (pid: number): Promise<ProcStat | undefined> => {
    let text: string;
    try {
      text = await read(pid, "stat");
    } catch {
      return undefined; // exited since it was listed
    }
    return parseProcStat(text, `${proc}/${pid}/stat`);
  };

  /**
   * A member's stat now: `known` again when it is single-threaded and has not run since (its
   * schedstat, a third of the cost, is unchanged: only running changes its times, its
   * children's reaped time and its threads), else read anew. (The schedstat of a process is its
   * main thread's: a multi-threaded one's stat is always read.)
   */
  const memberStat = (
    pid: number,
    known: ProcStat | undefined,
  ): Promise<ProcStat | undefined> | ProcStat | undefined => {
    const open = runtime.openKernelFile?.bind(runtime);
    if (!open) return readStat(pid);
    const path = `${proc}/${pid}/stat`;
    let text: string;
    try {
      let kept = files.get(pid);
      if (!kept) {
        kept = { stat: open(path) };
        files.set(pid, kept);
      }
      let sched: string | undefined;
      if (known?.numThreads === 1) {
        kept.sched ??= openOptional(open, `${proc}/${pid}/schedstat`);
        // Before stat: a run between the two reads shows in the next walk's schedstat.
        sched = kept.sched?.readText();
        if (sched !== undefined && sched === kept.schedBeforeStat) {
          unchanged.add(pid);
          return known;
        }
      }
      kept.schedBeforeStat = sched;
      text = kept.stat.readText();
    } catch {
      drop(pid);
      return undefined; // exited
    }
    return parseProcStat(text, path);
  };
  // Members whose stat this walk took as unchanged.
  const unchanged = new Set<number>();

  /** Reads again the members that did not run but whose parent vanished: re-parented. */
  const refreshOrphans = (tree: Map<number, ProcStat>) => {
    for (const pid of unchanged) {
      const stat = tree.get(pid);
      if (!stat || tree.has(stat.ppid) || !members.has(stat.ppid)) continue;
      try {
        tree.set(pid, parseProcStat(files.get(pid)!.stat.readText(), `${proc}/${pid}/stat`));
      } catch {
        tree.delete(pid);
        drop(pid);
      }
    }
    unchanged.clear();
  };

  const drop = (pid: number) => {
    files.get(pid)?.stat.close();
    files.get(pid)?.sched?.close();
    files.delete(pid);
  };

  const readCursor = async (): Promise<PidCursor | undefined> => {
    try {
      const lastPid = parseLastPid(await read("loadavg"));
      const forks = parseForkCount(await read("stat"));
      return lastPid === undefined || forks === undefined ? undefined : { lastPid, forks };
    } catch {
      return undefined;
    }
  };

  /** The children of every thread of `pid`; undefined when it exited or lists are missing. */
  const childrenOf = async (pid: number, threads: number): Promise<number[] | undefined> => {
    try {
      // One file for a single-threaded process; a thread's children are in its own list.
      if (threads <= 1) return parseChildren(await read(pid, "task", pid, "children"));
      const kids: number[] = [];
      for (const tid of await runtime.readDir(`${proc}/${pid}/task`)) {
        kids.push(...parseChildren(await read(pid, "task", tid, "children").catch(() => "")));
      }
      return kids;
    } catch {
      // Exited, or the kernel has no children lists: only a live process tells them apart.
      if (await readStat(pid) !== undefined) childrenFiles = false;
      return undefined;
    }
  };

  const byChildren = async (tree: Map<number, ProcStat>): Promise<boolean> => {
    const queue = [...tree.keys()];
    for (let i = 0; i < queue.length; i++) {
      const pid = queue[i]!;
      const kids = await childrenOf(pid, tree.get(pid)!.numThreads);
      if (!childrenFiles) return false;
      for (const kid of kids ?? []) {
        if (tree.has(kid)) continue;
        const stat = await readStat(kid);
        if (!stat) continue;
        tree.set(kid, stat);
        queue.push(kid);
      }
    }
    return true;
  };

  const byScan = async (tree: Map<number, ProcStat>): Promise<void> => {
    const kids = new Map<number, ProcStat[]>();
    for (const name of await runtime.readDir(proc)) {
      if (!/^\d+$/.test(name) || tree.has(Number(name))) continue;
      const stat = await readStat(Number(name));
      if (stat) kids.set(stat.ppid, [...kids.get(stat.ppid) ?? [], stat]);
    }
    const queue = [...tree.keys()];
    for (let i = 0; i < queue.length; i++) {
      for (const stat of kids.get(queue[i]!) ?? []) {
        tree.set(stat.pid, stat);
        queue.push(stat.pid);
      }
    }
  };

  const byRange = async (tree: Map<number, ProcStat>, from: number, to: number) => {
    // Ascending: a parent's PID is handed out before its child's.
    for (let pid = from + 1; pid <= to; pid++) {
      if (tree.has(pid)) continue;
      const stat = await readStat(pid);
      if (!stat || !tree.has(stat.ppid)) continue;
      const tgid = parseStatusTgid(await read(pid, "status").catch(() => ""));
      if (tgid === pid) tree.set(pid, stat);
    }
  };

  const discover = async (
    tree: Map<number, ProcStat>,
    now: PidCursor | undefined,
  ): Promise<Discovery> => {
    const before = cursor;
    if (
      before && now && now.lastPid >= before.lastPid &&
      now.forks - before.forks <= now.lastPid - before.lastPid + CURSOR_SLACK &&
      now.lastPid - before.lastPid <= tree.size + RANGE_ALLOWANCE
    ) {
      await byRange(tree, before.lastPid, now.lastPid);
      return "range";
    }
    if (childrenFiles && await byChildren(tree)) return "children";
    await byScan(tree);
    return "scan";
  };

  /** Ticks of the members that vanished since the last walk and were not reaped in the tree. */
  const carried = (tree: Map<number, ProcStat>): number => {
    let ticks = 0;
    // A member that vanished was either waited for by an ancestor still in the tree (its
    // whole time is now in that ancestor's cutime/cstime) or reaped outside the tree
    // (re-parented to init or a subreaper): only then is its last-seen time carried. Its chain
    // of parents as last seen decides, so each tick is counted exactly once. (A parent that
    // ignores SIGCHLD gets no cutime for its children: that time is lost.)
    for (const [pid, gone] of members) {
      if (tree.get(pid)?.starttime === gone.starttime) continue;
      let parent: number | undefined = gone.ppid;
      const visited = new Set<number>();
      let reapedInTree = false;
      while (parent !== undefined && members.has(parent) && !visited.has(parent)) {
        visited.add(parent);
        if (tree.get(parent)?.starttime === members.get(parent)!.starttime) {
          reapedInTree = true;
          break;
        }
        parent = members.get(parent)!.ppid;
      }
      if (!reapedInTree) ticks += totalTicks(gone);
    }
    return ticks;
  };

  return {
    async walk(rootPid) {
      // Read first: every process created after this is in the next walk's range.
      const now = await readCursor();
      const tree = new Map<number, ProcStat>();
      const pids = members.has(rootPid) ? members.keys() : [rootPid, ...members.keys()];
      for (const pid of pids) {
        const known = members.get(pid);
        // Kept files read synchronously: no await (a tick per member) unless one is opened.
        let stat = memberStat(pid, known);
        if (stat instanceof Promise) stat = await stat;
        // A known PID with another start time was reused by a stranger.
        if (stat && (!known || known.starttime === stat.starttime)) tree.set(pid, stat);
      }
      refreshOrphans(tree);
      const discovery = tree.size > 0 ? await discover(tree, now) : "none";
      cursor = now;
      carriedTicks += carried(tree);
      for (const pid of [...files.keys()]) if (!tree.has(pid)) drop(pid);
      members = tree;
      let ticks = carriedTicks;
      for (const stat of tree.values()) ticks += totalTicks(stat);
      // Between a child's exit and its parent's wait the child's last stretch is in neither
      // place; never report less than before.
      reportedTicks = Math.max(reportedTicks, ticks);
      return { processes: tree, ticks: reportedTicks, discovery };
    },
    close() {
      for (const pid of [...files.keys()]) drop(pid);
    },
  };
}

function totalTicks(stat: ProcStat): number {
  return stat.utime + stat.stime + stat.cutime + stat.cstime;
}

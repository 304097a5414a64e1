/**
 * Job usage from a control group: CPU time and memory of every process in the job's cgroup,
 * daemonised children included (the process tree misses those).
 *
 * Finds the cgroup from `/proc/<pid>/cgroup` (SLURM's `.../slurmstepd.scope/job_<id>/...` on
 * cgroup v2, `cpuacct/slurm/uid_*\/job_*` on v1) or takes one named with `--cgroup`.
 *
 * @module
 */
import { unavailableStatus } from "./status.ts";
import { join } from "node:path";
import type { Runtime, SystemPaths } from "../runtime.ts";
import { SensorError } from "./types.ts";
import type { SensorStatus } from "../types.ts";

/** The job's usage at one instant: the same shape as the process-tree reader's. */
export interface CgroupUsage {
  /** CPU seconds used by the cgroup since it was created (cumulative). */
  cpuSeconds: number;
  /** Memory charged to the cgroup now, bytes. */
  memoryBytes: number;
  /** Highest memory charged so far, bytes, where the kernel keeps it. */
  memoryPeakBytes?: number;
  memoryKind: "cgroup";
  /** Processes in the cgroup and its descendants. */
  pids: number[];
}

/** Where the job's cgroup lives. */
export interface CgroupLocation {
  version: 1 | 2;
  /** Path inside the hierarchy, e.g. `/system.slice/slurmstepd.scope/job_4`. */
  relative: string;
  /** Folder holding the CPU figures (`cpu.stat` or `cpuacct.usage`). */
  cpuDir: string;
  /** Folder holding the memory figures. */
  memoryDir: string;
}

/** Which cgroup to read. */
export interface CgroupOptions {
  /** The process whose cgroup to find (default: `self`). */
  pid?: number | "self";
  /** An explicit cgroup (`--cgroup`): absolute, or relative to the cgroup root. */
  cgroup?: string;
  /**
   * How far up a SLURM path to climb: `job` (every task of the job on this node, for the
   * node sampler), `step`, or `own` (the process's own cgroup, SLURM's or any other but the
   * root: a systemd scope, a Docker container's `/docker/<id>`). Default `job`.
   */
  level?: "job" | "step" | "own";
}

/** Reads a job's cgroup; built by {@link createCgroupReader}. */
export interface CgroupReader {
  /** The attribution name recorded in the log. */
  readonly attribution: "cgroup";
  /** Finds the cgroup and checks it can be read; never throws. */
  probe(): Promise<SensorStatus>;
  /** The location found by `probe()`, if any. */
  location(): CgroupLocation | undefined;
  /** Current usage; throws {@link SensorError} when a probed cgroup cannot be read. */
  read(): Promise<CgroupUsage>;
  /** Processes charged to the memory cgroup (on v1 it may be another than the CPU's). */
  memoryPids(): Promise<number[]>;
}

/** One line of `/proc/<pid>/cgroup`. */
export interface CgroupLine {
  hierarchy: number;
  controllers: string[];
  path: string;
}

/**
 * Parses `/proc/<pid>/cgroup`.
 *
 * @param text The file's content.
 * @param file The file's name, for errors.
 * @returns One entry per line; v2's unified line has hierarchy 0 and no controllers.
 */
export function parseProcCgroup(text: string, file = "/proc/self/cgroup"): CgroupLine[] {
  const lines: CgroupLine[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    const hierarchy = Number(line.slice(0, first));
    if (first < 0 || second < 0 || !Number.isInteger(hierarchy)) {
      throw new Error(`${file}:${i + 1}: malformed cgroup line "${line}"`);
    }
    const names = line.slice(first + 1, second);
    lines.push({
      hierarchy,
      controllers: names === "" ? [] : names.split(","),
      path: line.slice(second + 1),
    });
  });
  return lines;
}

/**
 * Shortens a SLURM cgroup path to the job's (or step's) folder.
 *
 * @param path e.g. `/system.slice/slurmstepd.scope/job_4/step_0/user/task_0`.
 * @param level `job`, `step` or `own`.
 * @returns The shortened path, or undefined when the path is not a SLURM job's (for `own`:
 * when it is the root cgroup, which holds the whole machine).
 */
export function slurmCgroupPath(path: string, level: "job" | "step" | "own"): string | undefined {
  if (level === "own") return path === "/" || path === "" ? undefined : path;
  const parts = path.split("/");
  const job = parts.findIndex((p) => /^job_\d+$/.test(p));
  if (job < 0) return undefined;
  if (level === "step" && parts[job + 1]?.startsWith("step_")) {
    return parts.slice(0, job + 2).join("/");
  }
  return parts.slice(0, job + 1).join("/");
}

/**
 * Parses `cpu.stat` (cgroup v2) into CPU seconds.
 *
 * @param text The file's content.
 * @param file The file's name, for errors.
 * @returns `usage_usec` in seconds.
 */
export function parseCpuStat(text: string, file: string): number {
  const match = /^usage_usec (\d{1,20})$/m.exec(text);
  if (!match) throw new Error(`${file}: no usage_usec line`);
  return Number(match[1]) / 1e6;
}

/** Names of a cgroup folder's files: `<controller>.<name>`, and v1's few without a dot. */
const INTERFACE_FILE =
  /^((cgroup|cpu|cpuacct|cpuset|memory|io|pids|hugetlb|rdma|misc|blkio|devices|freezer|net_cls|net_prio|perf_event)\..+|tasks|notify_on_release|release_agent)$/;

function parseInteger(text: string, file: string): number {
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new Error(`${file}: expected a number, found "${text.trim()}"`);
  }
  return value;
}

/**
 * Builds a reader for the job's cgroup.
 *
 * @param runtime File reads go through it.
 * @param paths `cgroupRoot` and `procfsRoot` (see `systemPaths`).
 * @param options Which cgroup: the process's own (climbed to the SLURM job) or an explicit one.
 * @returns A reader; call `probe()` before `read()`.
 */
export function createCgroupReader(
  runtime: Runtime,
  paths: Pick<SystemPaths, "cgroupRoot" | "procfsRoot">,
  options: CgroupOptions = {},
): CgroupReader {
  let found: CgroupLocation | undefined;

  async function exists(file: string): Promise<boolean> {
    try {
      await runtime.readTextFile(file);
      return true;
    } catch {
      return false;
    }
  }

  async function locateExplicit(cgroup: string): Promise<CgroupLocation | string> {
    const relative = cgroup.startsWith(paths.cgroupRoot)
      ? cgroup.slice(paths.cgroupRoot.length)
      : cgroup;
    const v2 = join(paths.cgroupRoot, relative);
    if (await exists(join(v2, "cpu.stat"))) {
      return { version: 2, relative, cpuDir: v2, memoryDir: v2 };
    }
    for (const controller of ["cpuacct", "cpu,cpuacct"]) {
      const dir = join(paths.cgroupRoot, controller, relative);
      if (await exists(join(dir, "cpuacct.usage"))) {
        return {
          version: 1,
          relative,
          cpuDir: dir,
          memoryDir: join(paths.cgroupRoot, "memory", relative),
        };
      }
    }
    return `cgroup ${cgroup} has neither cpu.stat nor cpuacct.usage under ${paths.cgroupRoot}`;
  }

  async function locate(): Promise<CgroupLocation | string> {
    if (options.cgroup) return await locateExplicit(options.cgroup);
    const file = join(paths.procfsRoot, String(options.pid ?? "self"), "cgroup");
    let lines: CgroupLine[];
    try {
      lines = parseProcCgroup(await runtime.readTextFile(file), file);
    } catch (error) {
      return `cannot read ${file}: ${error instanceof Error ? error.message : error}`;
    }
    const level = options.level ?? "job";
    const v1 = lines.find((l) => l.controllers.includes("cpuacct"));
    if (v1) {
      const relative = slurmCgroupPath(v1.path, level);
      if (relative) {
        const cpuDir = join(paths.cgroupRoot, v1.controllers.join(","), relative);
        const alt = join(paths.cgroupRoot, "cpuacct", relative);
        const dir = await exists(join(cpuDir, "cpuacct.usage")) ? cpuDir : alt;
        const memory = lines.find((l) => l.controllers.includes("memory"));
        const memoryRelative = memory ? slurmCgroupPath(memory.path, level) ?? relative : relative;
        return {
          version: 1,
          relative,
          cpuDir: dir,
          memoryDir: join(paths.cgroupRoot, "memory", memoryRelative),
        };
      }
    }
    const unified = lines.find((l) => l.hierarchy === 0 && l.controllers.length === 0);
    if (unified) {
      const relative = slurmCgroupPath(unified.path, level);
      if (relative) {
        const dir = join(paths.cgroupRoot, relative);
        return { version: 2, relative, cpuDir: dir, memoryDir: dir };
      }
      return level === "own"
        ? `the process is in the root cgroup`
        : `the process's cgroup ${unified.path} is not a SLURM job's; name one with --cgroup`;
    }
    return `no SLURM job cgroup in ${file}; name one with --cgroup`;
  }

  async function readPids(dir: string): Promise<number[]> {
    const pids: number[] = [];
    const walk = async (folder: string, depth: number) => {
      try {
        for (const line of (await runtime.readTextFile(join(folder, "cgroup.procs"))).split("\n")) {
          const pid = Number(line.trim());
          if (line.trim() !== "" && Number.isInteger(pid)) pids.push(pid);
        }
      } catch {
        // An interior folder without cgroup.procs (or one that just vanished) holds no processes.
      }
      if (depth > 8) return;
      let names: string[];
      try {
        names = await runtime.readDir(folder);
      } catch {
        return;
      }
      for (const name of names) {
        // Interface files (cgroup.procs, cpu.stat, tasks ...); child cgroups may hold dots too
        // (systemd's session-2.scope, user@1000.service).
        if (INTERFACE_FILE.test(name)) continue;
        await walk(join(folder, name), depth + 1);
      }
    };
    await walk(dir, 0);
    return [...new Set(pids)].sort((a, b) => a - b);
  }

  async function readInteger(dir: string, name: string): Promise<number> {
    const file = join(dir, name);
    return parseInteger(await runtime.readTextFile(file), file);
  }

  async function readUsage(at: CgroupLocation): Promise<CgroupUsage> {
    const v2 = at.version === 2;
    const cpuStat = join(at.cpuDir, "cpu.stat");
    const cpuSeconds = v2
      ? parseCpuStat(await runtime.readTextFile(cpuStat), cpuStat)
      : await readInteger(at.cpuDir, "cpuacct.usage") / 1e9;
    const usage: CgroupUsage = {
      cpuSeconds,
      memoryBytes: await readInteger(at.memoryDir, v2 ? "memory.current" : "memory.usage_in_bytes"),
      memoryKind: "cgroup",
      pids: await readPids(at.cpuDir),
    };
    try {
      usage.memoryPeakBytes = await readInteger(
        at.memoryDir,
        v2 ? "memory.peak" : "memory.max_usage_in_bytes",
      );
    } catch {
      // memory.peak exists since Linux 5.19 (v2); v1 without the memory controller has none.
    }
    return usage;
  }

  return {
    attribution: "cgroup",
    location: () => found,
    async probe(): Promise<SensorStatus> {
      const where = await locate();
      if (typeof where === "string") {
        return unavailableStatus("cgroup", where);
      }
      try {
        await readUsage(where);
      } catch (error) {
        return unavailableStatus("cgroup", error instanceof Error ? error.message : String(error));
      }
      found = where;
      return {
        sensor: "cgroup",
        available: true,
        methods: [],
        devices: [],
        detail: { version: where.version, cgroup: where.relative, cpuDir: where.cpuDir },
      };
    },
    memoryPids: () => found ? readPids(found.memoryDir) : Promise.resolve([]),
    async read(): Promise<CgroupUsage> {
      if (!found) throw new SensorError("cgroup", "read() before a successful probe()");
      try {
        return await readUsage(found);
      } catch (error) {
        throw new SensorError(
          "cgroup",
          error instanceof Error ? error.message : String(error),
          { cause: error },
        );
      }
    },
  };
}

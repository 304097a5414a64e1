/**
 * Processes a job started that left its process tree: a daemon (fork, `setsid`, fork again) or a
 * background process orphaned when its parent ended is reparented to init or a subreaper, and
 * the tree walk from the job's root (lib/sensors/procfs.ts) no longer sees it, so its CPU time is
 * not counted from then on.
 *
 * Deno cannot make impact a subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`), and a daemon leaves the
 * job's session and process group on purpose, so neither tells them apart. What they keep is
 * their environment: impact gives its child a variable of its own, {@link RUN_MARKER_VARIABLE},
 * with a value fresh for each run, that every descendant inherits (a daemon that clears its
 * environment is the one case this misses). At the end of the run, the processes that still carry
 * it are the ones that outlived the job: the run says so rather than count them silently as zero.
 *
 * @module
 */
import { join } from "node:path";
import type { Runtime } from "../runtime.ts";

/** The environment variable that marks a run's processes; its value is the run's own. */
export const RUN_MARKER_VARIABLE = "IMPACT_RUN_MARKER";

/** A process the job started that is still running outside its tree. */
export interface EscapedProcess {
  pid: number;
  /** Its command line (the first 200 characters). */
  command: string;
}

/** Processes listed at most: the note names a few, the count says the rest. */
const LISTED = 20;

/**
 * Finds the running processes whose environment holds `RUN_MARKER_VARIABLE=marker`.
 *
 * @param runtime Where /proc is read.
 * @param procfsRoot `/proc`, or where it is mounted.
 * @param marker The run's value of {@link RUN_MARKER_VARIABLE}.
 * @returns The processes (zombies left out), at most 20, and how many there were in all.
 */
export async function findMarkedProcesses(
  runtime: Runtime,
  procfsRoot: string,
  marker: string,
): Promise<{ processes: EscapedProcess[]; count: number }> {
  const entry = `${RUN_MARKER_VARIABLE}=${marker}`;
  const names = await runtime.readDir(procfsRoot).catch(() => [] as string[]);
  const processes: EscapedProcess[] = [];
  let count = 0;
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const dir = join(procfsRoot, name);
    // Another user's process, or one that just ended: not ours to find.
    const environ = await runtime.readTextFile(join(dir, "environ")).catch(() => "");
    if (!environ.split("\0").includes(entry)) continue;
    const stat = await runtime.readTextFile(join(dir, "stat")).catch(() => "");
    if (stat === "" || stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") {
      continue;
    }
    count++;
    if (processes.length >= LISTED) continue;
    const cmdline = await runtime.readTextFile(join(dir, "cmdline")).catch(() => "");
    const command = cmdline.split("\0").filter((part) => part !== "").join(" ") ||
      stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    processes.push({ pid: Number(name), command: command.slice(0, 200) });
  }
  return { processes, count };
}

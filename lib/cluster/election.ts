/**
 * Electing the one task per node that samples the node's devices, without a server:
 * `SLURM_LOCALID` 0 where SLURM sets it, else whoever creates the node's lock file first.
 *
 * The lock lives in the node's log folder (a file, like the logs themselves, so this module
 * uses Deno's file API as the log writer does). A lock left by a dead process on the same
 * host is taken over.
 *
 * @module
 */
import { join } from "node:path";
import type { Runtime } from "../runtime.ts";
import type { SlurmInfo } from "../log/schema.ts";

/** The election's outcome; dispose it when the run ends to release the lock. */
export interface Election extends AsyncDisposable {
  nodeSampler: boolean;
  /** `localid` (SLURM_LOCALID decided) or `lock` (the lock file decided). */
  method: "localid" | "lock";
  /** The lock file, when the lock decided. */
  lockPath?: string;
  /** Who holds the lock when this task lost it. */
  holder?: LockHolder;
  /** Releases the lock if this task holds it. Safe to call twice. */
  release(): Promise<void>;
}

/** What a lock file records. */
export interface LockHolder {
  pid: number;
  host: string;
  rank?: number;
}

/** Name of the lock file inside the node's log folder. */
export const LOCK_NAME = "sampler.lock";

/** Options for {@link electNodeSampler}. */
export interface ElectionOptions {
  info: SlurmInfo;
  /** The node's log folder (`<log-dir>/<job id>/<node>`). */
  nodeDir: string;
  /** Used to check whether a lock's holder is alive (`<procfsRoot>/<pid>/stat`). */
  runtime: Runtime;
  procfsRoot: string;
  hostname: string;
  /** This process's id (default `Deno.pid`). */
  pid?: number;
}

async function alive(runtime: Runtime, procfsRoot: string, pid: number): Promise<boolean> {
  try {
    const stat = await runtime.readTextFile(join(procfsRoot, String(pid), "stat"));
    // A zombie has exited: it samples nothing any more.
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === "number" && typeof value.host === "string") {
      return value as LockHolder;
    }
  } catch {
    // Being written right now, or truncated: treated as held.
  }
  return undefined;
}

/**
 * Decides whether this task samples its node's devices.
 *
 * @param options The task's SLURM info, its node's log folder and how to check pids.
 * @returns The decision; the lock (if taken) is held until `release()`.
 */
export async function electNodeSampler(options: ElectionOptions): Promise<Election> {
  const none = async () => {};
  if (options.info.localId !== undefined) {
    return {
      nodeSampler: options.info.localId === 0,
      method: "localid",
      release: none,
      [Symbol.asyncDispose]: none,
    };
  }
  const pid = options.pid ?? Deno.pid;
  const lockPath = join(options.nodeDir, LOCK_NAME);
  await Deno.mkdir(options.nodeDir, { recursive: true });
  const mine: LockHolder = { pid, host: options.hostname };
  if (options.info.taskRank !== undefined) mine.rank = options.info.taskRank;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const file = await Deno.open(lockPath, { createNew: true, write: true });
      try {
        await file.write(new TextEncoder().encode(JSON.stringify(mine) + "\n"));
      } finally {
        file.close();
      }
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        await Deno.remove(lockPath).catch(() => {});
      };
      return {
        nodeSampler: true,
        method: "lock",
        lockPath,
        release,
        [Symbol.asyncDispose]: release,
      };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    const readLock = () =>
      Deno.readTextFile(lockPath).then(parseHolder, (error) => {
        if (error instanceof Deno.errors.NotFound) return "gone" as const;
        throw error;
      });
    let holder = await readLock();
    // The winner creates the file, then writes it: give it a moment before judging.
    for (let wait = 0; holder === undefined && wait < 10; wait++) {
      await options.runtime.sleep(10);
      holder = await readLock();
    }
    if (holder === "gone") continue; // released meanwhile: race for it again
    const stale = holder !== undefined && holder.host === options.hostname &&
      !(await alive(options.runtime, options.procfsRoot, holder.pid));
    if (!stale) {
      const lost: Election = {
        nodeSampler: false,
        method: "lock",
        lockPath,
        release: none,
        [Symbol.asyncDispose]: none,
      };
      if (holder) lost.holder = holder;
      return lost;
    }
    // The holder died without releasing; remove its lock and race for it again.
    await Deno.remove(lockPath).catch(() => {});
  }
  throw new Error(`could not take or read the sampler lock ${lockPath}`);
}

/**
 * Electing the one task per node that samples the node's devices, without a server:
 * `SLURM_LOCALID` 0 where SLURM sets it, else whoever takes the node's lock first.
 *
 * The lock is a kernel lock (`flock`, through `Deno.FsFile.tryLock`) on a file in node-local
 * storage (`/dev/shm` unless `IMPACT_LOCK_DIR` says otherwise): the kernel grants it to exactly
 * one open file at a time and releases it when its holder exits, however it exits (SIGKILL
 * included), so there is nothing stale to judge and no heuristic. The file itself is never
 * removed: a task that removed it while another had it open would let a third lock a new file
 * of the same name. Where the lock folder cannot be used, the node's log folder holds the file,
 * with a note (on a network file system `flock` may not be honoured across tasks).
 *
 * @module
 */
import { join } from "node:path";
import type { SlurmInfo } from "../log/schema.ts";

/** The election's outcome; dispose it when the run ends to release the lock. */
export interface Election extends AsyncDisposable {
  nodeSampler: boolean;
  /** `localid` (SLURM_LOCALID decided) or `lock` (the kernel lock decided). */
  method: "localid" | "lock";
  /** The lock file, when the lock decided. */
  lockPath?: string;
  /** Who holds the lock when this task lost it, as the holder wrote it (when readable). */
  holder?: LockHolder;
  /** Lines for the user (a lock that had to fall back to the log folder). */
  notes: string[];
  /** Releases the lock if this task holds it. Safe to call twice. */
  release(): Promise<void>;
}

/** What the lock's holder writes into the file, for the other tasks' notes. */
export interface LockHolder {
  pid: number;
  host: string;
  rank?: number;
}

/** Node-local storage for the lock where `IMPACT_LOCK_DIR` does not name a folder. */
const DEFAULT_LOCK_DIR = "/dev/shm";

/** Options for {@link electNodeSampler}. */
export interface ElectionOptions {
  info: SlurmInfo;
  /** The node's log folder (`<log-dir>/<job id>/<node>`): the lock's fallback folder. */
  nodeDir: string;
  /** Node-local folder for the lock (`IMPACT_LOCK_DIR`, default {@link DEFAULT_LOCK_DIR}). */
  lockDir?: string | undefined;
  hostname: string;
  /** This process's id (default `Deno.pid`), written for the other tasks' notes. */
  pid?: number;
}

/**
 * The lock file's name: one per job and node, so jobs sharing a node elect apart.
 *
 * @param info The task's SLURM info.
 * @param hostname The node's name when SLURM gives none.
 * @returns A file name safe in any folder.
 */
function lockName(info: SlurmInfo, hostname: string): string {
  const safe = (text: string) => text.replace(/[^\w.+-]/g, "_");
  return `impact-sampler-${safe(info.jobId ?? "job")}-${safe(info.node ?? hostname)}.lock`;
}

/**
 * Decides whether this task samples its node's devices.
 *
 * @param options The task's SLURM info, the lock folder and the node's log folder.
 * @returns The decision; the lock (if taken) is held until `release()` or this process exits.
 */
export async function electNodeSampler(options: ElectionOptions): Promise<Election> {
  const none = async () => {};
  if (options.info.localId !== undefined) {
    return {
      nodeSampler: options.info.localId === 0,
      method: "localid",
      notes: [],
      release: none,
      [Symbol.asyncDispose]: none,
    };
  }
  const name = lockName(options.info, options.hostname);
  const lockDir = options.lockDir ?? DEFAULT_LOCK_DIR;
  const notes: string[] = [];
  let lockPath = join(lockDir, name);
  let file: Deno.FsFile;
  try {
    file = await openLock(lockPath);
  } catch (error) {
    lockPath = join(options.nodeDir, name);
    notes.push(
      `the node's sampler lock is in ${options.nodeDir} (${lockDir} could not be used: ${
        (error as Error).message
      }); on a network file system set IMPACT_LOCK_DIR to node-local storage`,
    );
    await Deno.mkdir(options.nodeDir, { recursive: true });
    file = await openLock(lockPath);
  }
  if (!(await file.tryLock(true))) {
    // The winner takes the lock, then writes its note: tasks started together may look before
    // it has. A moment (at most 200 ms) lets the note say who samples the node.
    let holder = await readHolder(file);
    for (let wait = 0; holder === undefined && wait < 20; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      holder = await readHolder(file);
    }
    file.close();
    const lost: Election = {
      nodeSampler: false,
      method: "lock",
      lockPath,
      notes,
      release: none,
      [Symbol.asyncDispose]: none,
    };
    if (holder) lost.holder = holder;
    return lost;
  }
  const mine: LockHolder = { pid: options.pid ?? Deno.pid, host: options.hostname };
  if (options.info.taskRank !== undefined) mine.rank = options.info.taskRank;
  await file.truncate(0);
  await file.write(new TextEncoder().encode(JSON.stringify(mine) + "\n"));
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    // Closing the file drops the lock; the file stays (see the module's note).
    await file.unlock().catch(() => {});
    file.close();
  };
  return {
    nodeSampler: true,
    method: "lock",
    lockPath,
    notes,
    release,
    [Symbol.asyncDispose]: release,
  };
}

function openLock(path: string): Promise<Deno.FsFile> {
  // Never truncated on open: a task that loses must not wipe the holder's note.
  return Deno.open(path, { read: true, write: true, create: true, mode: 0o666 });
}

async function readHolder(file: Deno.FsFile): Promise<LockHolder | undefined> {
  try {
    const bytes = new Uint8Array(512);
    await file.seek(0, Deno.SeekMode.Start);
    const n = await file.read(bytes);
    const value = JSON.parse(new TextDecoder().decode(bytes.subarray(0, n ?? 0))) as Partial<
      LockHolder
    >;
    if (typeof value.pid === "number" && typeof value.host === "string") {
      return value as LockHolder;
    }
  } catch {
    // Being written right now, or empty: the holder is not said.
  }
  return undefined;
}

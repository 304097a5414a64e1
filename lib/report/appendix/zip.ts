/**
 * The raw log directory as a zip download. fflate writes the archive (headers, data
 * descriptors, central directory); the deflating is node:zlib's, which is native and runs
 * off the main thread, because fflate's own JavaScript deflate made 500 one-hour runs take
 * minutes (about 200 ms per 3.4 MB samples.jsonl against 10-25 ms).
 *
 * @module
 */
import { Zip, type ZipInputFile } from "fflate";
import { crc32, deflateRaw } from "node:zlib";

/** Zip timestamps are fixed so the same logs give the same bytes. */
const MTIME = new Date("2000-01-01T00:00:00Z");

function deflate(data: Uint8Array, level: number): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    deflateRaw(
      data,
      { level },
      (error, out) =>
        error
          ? reject(error)
          : resolve(new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength)),
    );
  });
}

/**
 * Zips a log directory's files under one folder, on this thread.
 *
 * @param folder The folder name inside the zip (the run's page name).
 * @param files File names (relative to the log directory) and their bytes.
 * @param level Deflate level 1-9 (1 by default: logs compress about 9x even at 1, and fast).
 * @returns The zip archive.
 */
export async function zipLogDirHere(
  folder: string,
  files: Readonly<Record<string, Uint8Array>>,
  level = 1,
): Promise<Uint8Array<ArrayBuffer>> {
  const names = Object.keys(files).sort();
  const deflated = await Promise.all(names.map((name) => deflate(files[name]!, level)));
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else chunks.push(chunk);
  });
  names.forEach((name, i) => {
    const data = files[name]!;
    const entry: ZipInputFile = {
      filename: `${folder}/${name}`,
      size: data.length,
      crc: crc32(data),
      compression: 8,
      mtime: MTIME,
    };
    zip.add(entry);
    entry.ondata!(null, deflated[i]!, true);
  });
  zip.end();
  if (failure) throw failure;
  const out = new Uint8Array(new ArrayBuffer(chunks.reduce((n, c) => n + c.length, 0)));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Zips log directories, in worker threads where they can start, else on this thread. */
export interface Zipper extends Disposable {
  /**
   * Zips one log directory.
   *
   * @param folder The folder name inside the zip.
   * @param files File names and bytes.
   * @returns The zip archive.
   */
  zip(folder: string, files: Readonly<Record<string, Uint8Array>>): Promise<Uint8Array>;
}

/** Where the zip worker's module is (absent from bundles and from binaries built without it). */
export const ZIP_WORKER_URL: URL = new URL("./zip_worker.ts", import.meta.url);

interface Pending {
  resolve(zip: Uint8Array): void;
  reject(error: Error): void;
  folder: string;
  files: Readonly<Record<string, Uint8Array>>;
}

/**
 * Starts a pool of zip workers. A worker that cannot start (a bundle or binary built without
 * zip_worker.ts) hands its jobs back to this thread, so zips are always made.
 *
 * @param workers How many workers (0: zip on this thread).
 * @returns The zipper; dispose it to stop the workers.
 */
export function startZipper(workers: number): Zipper {
  const pending = new Map<number, Pending>();
  const pool: { worker: Worker; busy: number }[] = [];
  let nextId = 0;
  let broken = workers <= 0;
  const fallBack = () => {
    broken = true;
    for (const { worker } of pool) worker.terminate();
    pool.length = 0;
    const jobs = [...pending.values()];
    pending.clear();
    for (const job of jobs) zipLogDirHere(job.folder, job.files).then(job.resolve, job.reject);
  };
  if (!broken) {
    try {
      for (let i = 0; i < workers; i++) {
        const worker = new Worker(ZIP_WORKER_URL.href, {
          type: "module",
        });
        const slot = { worker, busy: 0 };
        worker.onmessage = (
          event: MessageEvent<{ id: number; zip?: Uint8Array; error?: string }>,
        ) => {
          const job = pending.get(event.data.id);
          if (!job) return;
          pending.delete(event.data.id);
          slot.busy--;
          if (event.data.zip) job.resolve(event.data.zip);
          else job.reject(new Error(event.data.error ?? "Zip worker failed"));
        };
        worker.onerror = (event) => {
          event.preventDefault();
          fallBack();
        };
        pool.push(slot);
      }
    } catch {
      fallBack();
    }
  }
  return {
    zip(folder, files) {
      if (broken || pool.length === 0) return zipLogDirHere(folder, files);
      const slot = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, folder, files });
        slot.busy++;
        slot.worker.postMessage({ id, folder, files });
      });
    },
    [Symbol.dispose]() {
      for (const { worker } of pool) worker.terminate();
      pool.length = 0;
    },
  };
}

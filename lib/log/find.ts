/**
 * Finds log directories (folders holding `impact.json`) under the paths a user gives.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { LOG_FILES } from "./schema.ts";

/** Folders listed at once: enough to overlap the file system's latency, few file handles. */
const WALK_CONCURRENCY = 16;

/**
 * Finds every log directory at or below the given paths, recursively, sorted by path.
 * A path that is itself a log directory counts; its subfolders are not searched.
 * Folders are listed concurrently (at most 16 at a time).
 *
 * @param paths Folders to search.
 * @returns Absolute paths of log directories.
 * @throws {Deno.errors.NotFound} When a given path does not exist.
 */
export async function findLogDirs(paths: string[]): Promise<string[]> {
  const found = new Set<string>();
  const queue: { dir: string; depth: number }[] = [];
  for (const path of paths) {
    const stat = await Deno.stat(path);
    if (stat.isDirectory) queue.push({ dir: resolve(path), depth: 0 });
  }
  let active = 0;
  let failure: unknown;
  await new Promise<void>((done, fail) => {
    const pump = () => {
      if (failure !== undefined) return;
      while (active < WALK_CONCURRENCY && queue.length > 0) {
        const { dir, depth } = queue.pop()!;
        active++;
        listFolder(dir).then((listing) => {
          active--;
          if (listing.isLogDir) found.add(dir);
          else if (depth < MAX_DEPTH) {
            for (const name of listing.subdirs) {
              queue.push({ dir: join(dir, name), depth: depth + 1 });
            }
          }
          pump();
        }, (error) => {
          failure = error;
          fail(error);
        });
      }
      if (active === 0 && queue.length === 0) done();
    };
    pump();
  });
  return [...found].sort();
}

/** Folders deeper than this below a given path are not searched. */
const MAX_DEPTH = 32;

async function listFolder(dir: string): Promise<{ isLogDir: boolean; subdirs: string[] }> {
  const subdirs: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name === LOG_FILES.info && entry.isFile) return { isLogDir: true, subdirs: [] };
    if (entry.isDirectory && !entry.name.startsWith(".") && entry.name !== "node_modules") {
      subdirs.push(entry.name);
    }
  }
  return { isLogDir: false, subdirs };
}

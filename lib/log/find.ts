/**
 * Finds log directories (folders holding `impact.json`) under the paths a user gives.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileProblem } from "../file_errors.ts";
import { LOG_FILES } from "./schema.ts";
import { LogFormatError } from "./validate.ts";

/** Folders listed at once: enough to overlap the file system's latency, few file handles. */
const WALK_CONCURRENCY = 16;

/**
 * Finds every log directory at or below the given paths, recursively, sorted by path.
 * A path that is itself a log directory counts; its subfolders are not searched; a log file
 * given by name (`run/impact.json`) stands for its folder. Folders are listed concurrently (at
 * most 16 at a time); one that cannot be listed is skipped and said so.
 *
 * @param paths Folders to search.
 * @param warnings Receives a sentence for each folder skipped and each path that is a file.
 * @returns Absolute paths of log directories.
 * @throws {LogFormatError} When a given path does not exist or cannot be looked at (the
 *   message names it and the fix).
 */
export async function findLogDirs(paths: string[], warnings: string[] = []): Promise<string[]> {
  const found = new Set<string>();
  const queue: { dir: string; depth: number }[] = [];
  const logFiles: ReadonlySet<string> = new Set(Object.values(LOG_FILES));
  for (const path of paths) {
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(path);
    } catch (error) {
      const problem = fileProblem(error, path, "read");
      if (!problem) throw error;
      throw new LogFormatError(problem.message, { cause: error });
    }
    if (stat.isDirectory) queue.push({ dir: resolve(path), depth: 0 });
    else if (logFiles.has(basename(path))) queue.push({ dir: resolve(dirname(path)), depth: 0 });
    else warnings.push(`${path} is a file, not a log directory or a folder of them; skipped`);
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
          if (listing.problem) warnings.push(`${listing.problem}; skipped`);
          else if (listing.isLogDir) found.add(dir);
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

async function listFolder(
  dir: string,
): Promise<{ isLogDir: boolean; subdirs: string[]; problem?: string }> {
  const subdirs: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name === LOG_FILES.info && entry.isFile) return { isLogDir: true, subdirs: [] };
      if (entry.isDirectory && !entry.name.startsWith(".") && entry.name !== "node_modules") {
        subdirs.push(entry.name);
      }
    }
  } catch (error) {
    // One folder that cannot be listed must not hide the others.
    const problem = fileProblem(error, dir, "list");
    if (!problem) throw error;
    return { isLogDir: false, subdirs: [], problem: problem.message };
  }
  return { isLogDir: false, subdirs };
}

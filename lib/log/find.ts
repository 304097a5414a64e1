/**
 * Finds log directories (folders holding `impact.json`) under the paths a user gives.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { LOG_FILES } from "./schema.ts";

/**
 * Finds every log directory at or below the given paths, recursively, sorted by path.
 * A path that is itself a log directory counts; its subfolders are not searched.
 *
 * @param paths Folders to search.
 * @returns Absolute paths of log directories.
 * @throws {Deno.errors.NotFound} When a given path does not exist.
 */
export async function findLogDirs(paths: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const path of paths) {
    const stat = await Deno.stat(path);
    if (!stat.isDirectory) continue;
    await walk(resolve(path), found, 0);
  }
  return [...found].sort();
}

async function walk(dir: string, found: Set<string>, depth: number): Promise<void> {
  const subdirs: string[] = [];
  let isLogDir = false;
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name === LOG_FILES.info && entry.isFile) isLogDir = true;
    else if (entry.isDirectory && !entry.name.startsWith(".") && entry.name !== "node_modules") {
      subdirs.push(entry.name);
    }
  }
  if (isLogDir) {
    found.add(dir);
    return;
  }
  if (depth >= 32) return;
  for (const name of subdirs) await walk(join(dir, name), found, depth + 1);
}

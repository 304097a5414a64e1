/**
 * The raw log directory as a zip download, made with fflate.
 *
 * @module
 */
import { type Zippable, zipSync } from "fflate";

/**
 * Zips a log directory's files under one folder.
 *
 * @param folder The folder name inside the zip (the run's page name).
 * @param files File names (relative to the log directory) and their bytes.
 * @param level Deflate level 0-9; 1 by default (logs compress well even at 1, and fast).
 * @returns The zip archive.
 */
export function zipLogDir(
  folder: string,
  files: Readonly<Record<string, Uint8Array>>,
  level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 1,
): Uint8Array {
  const tree: Zippable = {};
  for (const [name, data] of Object.entries(files)) tree[`${folder}/${name}`] = data;
  return zipSync(tree, { level, mtime: new Date("2000-01-01T00:00:00Z") });
}

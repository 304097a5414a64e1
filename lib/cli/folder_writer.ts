/**
 * Writes generated files (the appendix site) under a folder, creating each subfolder once.
 *
 * @module
 */
import { dirname, join } from "node:path";

/**
 * A writer of files under `root`.
 *
 * @param root The output folder.
 * @returns `write(path, data)`: writes text or bytes at `root/path`, creating its folders.
 */
export function folderWriter(
  root: string,
): (path: string, data: string | Uint8Array) => Promise<void> {
  const made = new Set<string>();
  return async (path, data) => {
    const target = join(root, path);
    const folder = dirname(target);
    if (!made.has(folder)) {
      await Deno.mkdir(folder, { recursive: true });
      made.add(folder);
    }
    if (typeof data === "string") await Deno.writeTextFile(target, data);
    else await Deno.writeFile(target, data);
  };
}

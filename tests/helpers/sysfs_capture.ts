/**
 * Lays a captured sysfs tree (tests/fixtures/rapl_*.txt) out as files, so a sensor reads the
 * captured values as they were. Two capture formats: `=== <path>  [mode 444]` followed by the
 * file's content (prometheus/procfs's ttar fixtures), and `path|mode|owner|content` lines
 * relative to /sys/class/powercap (symlinks skipped: the folders are made directly).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { capturedEntries } from "./captured_tree.ts";
import type { Capture } from "./captures.ts";

/** The tree written: where `/sys` now is, and each file's captured mode. */
export interface SysfsTree {
  /** The folder standing for `/sys` (`IMPACT_SYSFS_ROOT`). */
  root: string;
  /** Captured mode of each written file, by its path under `root`. */
  modes: Map<string, number>;
}

/**
 * Writes a captured sysfs tree under `root`.
 *
 * @param capture The capture (its blocks hold the tree).
 * @param root The folder standing for `/sys`.
 * @returns The tree and the files' modes.
 */
export async function writeSysfsCapture(capture: Capture, root: string): Promise<SysfsTree> {
  const modes = new Map<string, number>();
  const write = async (sysPath: string, mode: number | undefined, content: string) => {
    const path = join(root, sysPath.replace(/^\/sys\//, ""));
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, content);
    if (mode !== undefined) modes.set(path, mode);
  };
  const entries = capturedEntries(capture.text);
  for (const { path, mode, lines } of entries) {
    await write(path, mode, lines.join("\n") + "\n");
  }
  if (entries.length > 0) return { root, modes };
  for (const block of capture.blocks) {
    for (const line of block.text.replace(/\n$/, "").split("\n")) {
      const [path, mode, , content] = line.split("|");
      if (path === undefined || mode === undefined || mode.startsWith("->")) continue;
      await write(`/sys/class/powercap/${path}`, parseInt(mode, 8), `${content ?? ""}\n`);
    }
  }
  return { root, modes };
}

/**
 * Whether a user other than the file's owner may read it, by its captured mode (root reads
 * everything, so this is how a normal user sees the tree).
 *
 * @param tree The written tree.
 * @param path A path under it.
 * @returns False for a captured `0400` file such as `energy_uj` since Linux 5.10.
 */
export function othersMayRead(tree: SysfsTree, path: string): boolean {
  const mode = tree.modes.get(path);
  return mode === undefined || (mode & 0o004) !== 0;
}

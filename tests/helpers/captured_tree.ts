/**
 * Lays out a captured file tree (the `=== <path>  [mode NNN]` format of the sysfs and cgroup
 * captures in tests/fixtures/, prometheus/procfs's ttar) as real files under a folder, so
 * readers run on the captured bytes.
 *
 * @module
 */
import { dirname, join } from "node:path";

/** One `=== <path>  [mode NNN]` entry of a capture. */
export interface CapturedEntry {
  /** The path as the capture names it. */
  path: string;
  /** The captured permission bits, where the entry gives them. */
  mode?: number;
  /** The lines after it, up to the next entry or `#` note, verbatim. */
  lines: string[];
}

/**
 * Reads the `=== <path>` entries of a capture.
 *
 * @param text The capture's text.
 * @returns The entries, in file order.
 */
export function capturedEntries(text: string): CapturedEntry[] {
  const entries: CapturedEntry[] = [];
  let current: CapturedEntry | undefined;
  for (const line of text.split("\n")) {
    const entry = /^=== (\S+)(?:\s+\[mode (\d+)\])?$/.exec(line);
    if (entry) {
      current = { path: entry[1]!, lines: [] };
      if (entry[2] !== undefined) current.mode = parseInt(entry[2], 8);
      entries.push(current);
    } else if (line.startsWith("#")) {
      current = undefined;
    } else {
      current?.lines.push(line);
    }
  }
  return entries;
}

/**
 * Writes every `=== <path>` entry of a capture under `root`, with the content that follows it
 * (up to the next entry or `#` note), verbatim.
 *
 * @param text The capture's text.
 * @param root The folder to write into; a leading `/sys/` or `/` of a path is kept under it.
 * @returns The paths written, as the capture names them.
 */
export async function writeCapturedTree(text: string, root: string): Promise<string[]> {
  const written: string[] = [];
  for (const { path, lines } of capturedEntries(text)) {
    const file = join(root, path);
    await Deno.mkdir(dirname(file), { recursive: true });
    // An entry whose content is one empty line is an empty file (an empty cgroup.procs).
    const content = lines.join("\n").replace(/\n+$/, "");
    await Deno.writeTextFile(file, content === "" ? "" : `${content}\n`);
    written.push(path);
  }
  return written;
}

/**
 * Lays out a captured file tree (the `=== <path>  [mode NNN]` format of the sysfs and cgroup
 * captures in tests/fixtures/) as real files under a folder, so readers run on the captured
 * bytes.
 *
 * @module
 */
import { dirname, join } from "node:path";

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
  let path: string | undefined;
  let lines: string[] = [];
  const flush = async () => {
    if (path === undefined) return;
    const file = join(root, path);
    await Deno.mkdir(dirname(file), { recursive: true });
    // An entry whose content is one empty line is an empty file (an empty cgroup.procs).
    const content = lines.join("\n").replace(/\n+$/, "");
    await Deno.writeTextFile(file, content === "" ? "" : `${content}\n`);
    written.push(path);
  };
  for (const line of text.split("\n")) {
    const entry = /^=== (\S+)(?:\s+\[mode \d+\])?$/.exec(line);
    if (entry || line.startsWith("#")) {
      await flush();
      path = entry?.[1];
      lines = [];
    } else if (path !== undefined) {
      lines.push(line);
    }
  }
  await flush();
  return written;
}

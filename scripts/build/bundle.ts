/**
 * Bundles main.ts with `deno bundle` into a folder: `impact.js` plus the chunks that each
 * subcommand loads when it runs, rewritten for a fast start (see startup.ts).
 *
 * Code-split, because a one-file bundle makes Deno read and scan all 6 MB of it (the embedded
 * zone polygons and gazetteer) on every start: `impact --version` took 0.20 s instead of 0.07 s
 * (before the rewrites).
 *
 * @module
 */
import { join } from "node:path";
import { type ExportKind, exportKind, rewriteForStartup } from "./startup.ts";

/** The bundle's files, entry first. */
export interface Bundle {
  /** File names in the folder; the first is `impact.js`. */
  files: string[];
  /** `node:` imports that still load with their file. */
  eager: string[];
}

const decoder = new TextDecoder();

/**
 * Bundles `entry` (run from `root`) into the empty folder `dir`.
 *
 * @param root The repository root (its deno.json applies).
 * @param entry The entry module, relative to `root` or absolute.
 * @param dir Where the files go.
 * @returns The files written.
 */
export async function bundleInto(root: string, entry: string, dir: string): Promise<Bundle> {
  const out = await new Deno.Command(Deno.execPath(), {
    // The config named: an entry outside the repository (a benchmark's) still gets its imports.
    args: [
      "bundle",
      "--quiet",
      "--config",
      join(root, "deno.json"),
      "--code-splitting",
      "--outdir",
      dir,
      entry,
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(`deno bundle exited ${out.code}: ${decoder.decode(out.stderr)}`);
  }
  const entryName = entry.replace(/^.*\//, "").replace(/\.ts$/, ".js");
  const names: string[] = [];
  for await (const file of Deno.readDir(dir)) if (file.isFile) names.push(file.name);
  names.sort();
  const texts = new Map<string, string>();
  for (const name of names) texts.set(name, await Deno.readTextFile(join(dir, name)));

  const modules = new Map<string, Record<string, unknown>>();
  for (const text of texts.values()) {
    for (const [, module] of text.matchAll(/^import .+ from "(node:[a-z_/]+)";$/gm)) {
      if (!modules.has(module!)) modules.set(module!, await import(module!));
    }
  }
  const kindOf = (module: string, name: string): ExportKind =>
    exportKind(modules.get(module) ?? {}, name);
  const valueOf = (module: string, name: string) => modules.get(module)?.[name];

  const eager: string[] = [];
  const files: string[] = [];
  for (const [name, text] of texts) {
    if (name !== entryName && text.includes(`"./${entryName}"`)) {
      throw new Error(`Chunk ${name} imports the entry point, so it cannot be renamed`);
    }
    const rewritten = rewriteForStartup(text, kindOf, valueOf);
    eager.push(...rewritten.eager.map((line) => `${name}: ${line}`));
    const target = name === entryName ? "impact.js" : name;
    await Deno.writeTextFile(join(dir, target), rewritten.text);
    if (target !== name) await Deno.remove(join(dir, name));
    if (target === "impact.js") files.unshift(target);
    else files.push(target);
  }
  return { files, eager };
}

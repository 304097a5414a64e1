/**
 * `deno task build`: builds `dist/impact`, one executable file to copy to a machine that has
 * no Deno, no Node and no network.
 *
 * 1. `deno compile`, which takes its runtime (`denort`) from DENORT_BIN or Deno's cache, or
 *    downloads it from Deno's servers.
 * 2. Where that fails (offline with no cached runtime), a launcher: a POSIX sh script with the
 *    Deno runtime and impact's bundle appended, unpacked on first run (build/launcher.ts).
 *
 * `--launcher` skips step 1; `--out PATH` writes elsewhere than dist/impact. Either way the
 * result is checked by running it with `--version`.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { VERSION } from "../lib/version.ts";
import { bundleInto } from "./build/bundle.ts";
import { writeLauncher } from "./build/launcher.ts";
import { DENO_VERSION, findRuntime } from "./build/runtime.ts";
import type { TarFile } from "./build/tar.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const decoder = new TextDecoder();

/** What `deno task build` produced. */
export interface BuildResult {
  /** `binary` from deno compile, `launcher` from the fallback. */
  kind: "binary" | "launcher";
  /** The executable. */
  path: string;
  bytes: number;
}

/** Options of {@link build}. */
export interface BuildOptions {
  /** Skip `deno compile` and build the launcher. */
  launcher?: boolean;
  /** Where the executable goes (default dist/impact). */
  out?: string;
  /** The program (default main.ts, and then the result is checked with `--version`). */
  entry?: string;
}

async function check(path: string): Promise<void> {
  const out = await new Deno.Command(path, {
    args: ["--version"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = decoder.decode(out.stdout).trim();
  if (out.code !== 0 || text !== VERSION) {
    throw new Error(
      `${path} --version exited ${out.code} saying ${JSON.stringify(text)}: ` +
        decoder.decode(out.stderr),
    );
  }
  console.log(`build: checked \`${path} --version\` -> ${text}`);
}

/** `deno compile` into `out`; why it failed, or undefined. */
async function compile(entry: string, out: string): Promise<string | undefined> {
  // deno compile refuses to replace a file it did not make (such as an earlier launcher).
  const tmp = `${out}.compile-${Deno.pid}`;
  const result = await new Deno.Command(Deno.execPath(), {
    // The appendix zips in a worker module, which compile only embeds when named.
    args: [
      "compile",
      "-A",
      "--config",
      join(root, "deno.json"),
      "--include",
      "lib/report/appendix/zip_worker.ts",
      "--output",
      tmp,
      entry,
    ],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (result.code === 0) {
    await Deno.rename(tmp, out);
    return undefined;
  }
  await Deno.remove(tmp).catch(() => {});
  // "error: <what>", then "Caused by:" and numbered causes; the longest names the URL and why.
  const text = decoder.decode(result.stderr);
  const lines = text.split("Stack backtrace:")[0]!.split("\n");
  const causes = lines.filter((l) => /^\s+\d+: /.test(l)).map((l) => l.replace(/^\s+\d+: /, ""));
  const error = lines.find((l) => l.startsWith("error: "))?.slice(7);
  return causes.sort((a, b) => b.length - a.length)[0] ?? error ?? `exit ${result.code}`;
}

async function buildLauncher(entry: string, out: string): Promise<number> {
  const staging = await Deno.makeTempDir({ dir: dirname(out), prefix: ".bundle-" });
  try {
    const bundle = await bundleInto(root, entry, staging);
    for (const line of bundle.eager) console.log(`build: loaded at start-up: ${line}`);
    const runtime = await findRuntime();
    console.log(`build: Deno runtime from ${runtime.how}`);
    const files: TarFile[] = [{
      name: "deno",
      mode: 0o755,
      data: await Deno.readFile(runtime.path),
    }];
    for (const name of bundle.files) {
      files.push({ name, mode: 0o644, data: await Deno.readFile(join(staging, name)) });
    }
    const { id, bytes } = await writeLauncher(out, VERSION, DENO_VERSION, files);
    console.log(
      `build: ${out}: a sh launcher with Deno ${DENO_VERSION} and the bundle (${bundle.files.length} ` +
        `files) appended, ${(bytes / 2 ** 20).toFixed(1)} MiB; first run unpacks into ` +
        `~/.cache/impact/${id}`,
    );
    return bytes;
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}

/** A chunk or entry of an earlier, bundle-only build: misleading beside dist/impact. */
const OLD_BUNDLE = /^(impact|[\w.-]+-[A-Z0-9]{8})\.js$/;

/**
 * Builds `dist/impact`: compiled where `deno compile` can get its runtime, else the launcher.
 *
 * @param options See {@link BuildOptions}.
 * @returns What was built.
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const out = resolve(options.out ?? join(root, "dist", "impact"));
  const entry = options.entry ?? "main.ts";
  const verify = entry === "main.ts" ? check : async () => {};
  await Deno.mkdir(dirname(out), { recursive: true });
  if (dirname(out) === join(root, "dist")) {
    for await (const file of Deno.readDir(dirname(out))) {
      if (file.isFile && OLD_BUNDLE.test(file.name)) {
        await Deno.remove(join(dirname(out), file.name));
      }
    }
  }
  if (!options.launcher) {
    console.log("build: deno compile");
    const failure = await compile(entry, out);
    if (failure === undefined) {
      await verify(out);
      return { kind: "binary", path: out, bytes: (await Deno.stat(out)).size };
    }
    console.log(`build: deno compile failed (${failure}); building ${basename(out)} as a launcher`);
  }
  const bytes = await buildLauncher(entry, out);
  await verify(out);
  return { kind: "launcher", path: out, bytes };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { launcher: { type: "boolean" }, out: { type: "string" } },
  });
  try {
    await build({ launcher: values.launcher ?? false, ...(values.out ? { out: values.out } : {}) });
  } catch (error) {
    console.error(`build: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}

/**
 * `deno task build`: compiles `dist/impact` with `deno compile` when the runtime it needs
 * (`denort`) is at hand, from DENORT_BIN or Deno's cached download under
 * DENO_DIR/dl/release/v<version>/; otherwise bundles `dist/impact.js` with `deno bundle`
 * (run it with `deno run -A dist/impact.js`) and says so. Either way the result is checked
 * by running `--version`.
 *
 * The bundle is code-split: `dist/impact.js` holds commander and the subcommand
 * definitions only, and each subcommand's heavy modules (the zone polygons, the gazetteer,
 * the sensors, eta) sit in their own `dist/*-<hash>.js` chunk, loaded by the dynamic
 * `import()` that needs them. A single-file bundle made V8 scan 5.9 MB of source (the
 * embedded JSON data included) on every start.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const version = Deno.version.deno;
const decoder = new TextDecoder();

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function denoDir(): Promise<string | undefined> {
  const fromEnv = Deno.env.get("DENO_DIR");
  if (fromEnv) return fromEnv;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  })
    .output();
  if (out.code !== 0) return undefined;
  return (JSON.parse(decoder.decode(out.stdout)) as { denoDir?: string }).denoDir;
}

/** Where the compile runtime is, or why it is not. */
async function findDenort(): Promise<{ found: true; how: string } | { found: false; why: string }> {
  const bin = Deno.env.get("DENORT_BIN");
  if (bin) {
    return (await exists(bin))
      ? { found: true, how: `DENORT_BIN=${bin}` }
      : { found: false, why: `DENORT_BIN=${bin} does not exist` };
  }
  const dir = await denoDir();
  if (dir) {
    const release = join(dir, "dl", "release", `v${version}`);
    try {
      for await (const entry of Deno.readDir(release)) {
        if (entry.name.startsWith("denort-") && entry.name.endsWith(".zip")) {
          return { found: true, how: `cached ${join(release, entry.name)}` };
        }
      }
    } catch {
      // no cached download
    }
    return { found: false, why: `no DENORT_BIN and no denort zip under ${release}` };
  }
  return { found: false, why: "no DENORT_BIN and Deno's cache folder is unknown" };
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function check(command: string[]): Promise<void> {
  const out = await new Deno.Command(command[0]!, {
    args: command.slice(1),
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = decoder.decode(out.stdout).trim();
  if (out.code !== 0) {
    throw new Error(`${command.join(" ")} exited ${out.code}: ${decoder.decode(out.stderr)}`);
  }
  console.log(`build: checked \`${command.join(" ")}\` -> ${text}`);
}

/** What `deno task build` produced and how to start it. */
export interface BuildResult {
  /** `binary` from deno compile, `bundle` from deno bundle. */
  kind: "binary" | "bundle";
  /** The command line that starts impact (program first). */
  command: string[];
}

/** A chunk file of an earlier bundle: `<name>-<8 character hash>.js`. */
const CHUNK = /^[\w.-]+-[A-Z0-9]{8}\.js$/;

/**
 * Bundles main.ts into `dist/impact.js` plus its lazily loaded chunks, replacing the chunks of
 * an earlier bundle.
 */
async function bundle(): Promise<void> {
  const staging = await Deno.makeTempDir({ dir: dist, prefix: ".bundle-" });
  try {
    const out = await run([
      "bundle",
      "--quiet",
      "--code-splitting",
      "--outdir",
      staging,
      "main.ts",
    ]);
    if (out.code !== 0) throw new Error(`deno bundle exited ${out.code}: ${out.stderr}`);
    const files: string[] = [];
    for await (const entry of Deno.readDir(staging)) files.push(entry.name);
    for (const name of files) {
      const text = await Deno.readTextFile(join(staging, name));
      if (name !== "main.js" && text.includes('"./main.js"')) {
        throw new Error(`Chunk ${name} imports the entry point, so it cannot be renamed`);
      }
    }
    for await (const entry of Deno.readDir(dist)) {
      if (entry.isFile && (CHUNK.test(entry.name) || entry.name === "impact.js")) {
        await Deno.remove(join(dist, entry.name));
      }
    }
    for (const name of files) {
      await Deno.rename(join(staging, name), join(dist, name === "main.js" ? "impact.js" : name));
    }
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}

/**
 * Builds impact: a compiled binary when the compile runtime is at hand, else the bundle.
 *
 * @returns What was built and the command line that starts it.
 */
export async function build(): Promise<BuildResult> {
  await Deno.mkdir(dist, { recursive: true });
  const denort = await findDenort();
  if (denort.found) {
    console.log(`build: deno compile with the runtime from ${denort.how}`);
    // The appendix zips in a worker module, which compile only embeds when named.
    const out = await run([
      "compile",
      "-A",
      "--include",
      "lib/report/appendix/zip_worker.ts",
      "--output",
      join(dist, "impact"),
      "main.ts",
    ]);
    if (out.code === 0) {
      await check([join(dist, "impact"), "--version"]);
      return { kind: "binary", command: [join(dist, "impact")] };
    }
    console.log(
      `build: deno compile failed (${out.stderr.trim().split("\n").at(-1)}); bundling instead`,
    );
  } else {
    console.log(`build: the compile runtime (denort) is not available: ${denort.why}`);
  }
  console.log(
    "build: bundling into dist/impact.js instead; run it with `deno run -A dist/impact.js` " +
      "(set DENORT_BIN to a denort binary for a standalone executable)",
  );
  await bundle();
  const command = [Deno.execPath(), "run", "-A", join(dist, "impact.js")];
  await check([...command, "--version"]);
  return { kind: "bundle", command };
}

if (import.meta.main) {
  try {
    await build();
  } catch (error) {
    console.error(`build: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}

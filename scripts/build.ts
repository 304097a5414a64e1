/**
 * `deno task build`: compiles `dist/impact` with `deno compile` when the runtime it needs
 * (`denort`) is at hand, from DENORT_BIN or Deno's cached download under
 * DENO_DIR/dl/release/v<version>/; otherwise bundles `dist/impact.js` with `deno bundle`
 * (run it with `deno run -A dist/impact.js`) and says so. Either way the result is checked
 * by running `--version`.
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

await Deno.mkdir(dist, { recursive: true });
const denort = await findDenort();
let compiled = false;
if (denort.found) {
  console.log(`build: deno compile with the runtime from ${denort.how}`);
  const out = await run(["compile", "-A", "--output", join(dist, "impact"), "main.ts"]);
  if (out.code === 0) {
    compiled = true;
    await check([join(dist, "impact"), "--version"]);
  } else {
    console.log(
      `build: deno compile failed (${out.stderr.trim().split("\n").at(-1)}); bundling instead`,
    );
  }
} else {
  console.log(`build: the compile runtime (denort) is not available: ${denort.why}`);
}
if (!compiled) {
  console.log(
    "build: bundling into dist/impact.js instead; run it with `deno run -A dist/impact.js` " +
      "(set DENORT_BIN to a denort binary for a standalone executable)",
  );
  const out = await run(["bundle", "--quiet", "-o", join(dist, "impact.js"), "main.ts"]);
  if (out.code !== 0) {
    console.error(out.stderr);
    Deno.exit(1);
  }
  await check([Deno.execPath(), "run", "-A", join(dist, "impact.js"), "--version"]);
}

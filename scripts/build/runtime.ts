/**
 * The Deno runtime that `dist/impact` carries when `deno compile` cannot run: the `deno`
 * executable of the npm package `@deno/<platform>` of the pinned release, fetched and
 * integrity-checked by Deno's own npm client into its cache (so a second build is offline).
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The Deno release impact is tested with (.ci/run and the release workflow install it too). */
export const DENO_VERSION = "2.9.6";

/** npm's package of the Deno executable for each `os-arch` (its "os"/"cpu" fields). */
const PACKAGES: Record<string, string> = {
  "linux-x86_64": "@deno/linux-x64-glibc",
  "linux-aarch64": "@deno/linux-arm64-glibc",
  "darwin-x86_64": "@deno/darwin-x64",
  "darwin-aarch64": "@deno/darwin-arm64",
};

/** Where the runtime is and where it came from. */
export interface Runtime {
  path: string;
  how: string;
}

const decoder = new TextDecoder();

/**
 * Finds the pinned Deno executable for this machine's platform: the npm package's, else, when
 * the registry cannot be reached, the running Deno if it is the same release.
 *
 * @returns The executable's path and its origin.
 * @throws {Error} When neither is at hand.
 */
export async function findRuntime(): Promise<Runtime> {
  const platform = `${Deno.build.os}-${Deno.build.arch}`;
  const pkg = PACKAGES[platform];
  if (!pkg) throw new Error(`No Deno runtime package for ${platform}`);
  const specifier = `npm:${pkg}@${DENO_VERSION}`;
  // Importing the package's package.json makes Deno install the package; the executable
  // sits beside it. No config and no lock: the project's lockfiles stay about the project.
  const code = `import ${JSON.stringify(`${specifier}/package.json`)} with { type: "json" };\n` +
    `console.log(import.meta.resolve(${JSON.stringify(`${specifier}/deno`)}));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", "--no-lock", "-q", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const why = decoder.decode(out.stderr).trim().split("\n")[0] ?? "";
  if (out.code === 0) {
    const path = fileURLToPath(decoder.decode(out.stdout).trim());
    if ((await Deno.stat(path)).isFile) return { path, how: `npm ${pkg}@${DENO_VERSION}` };
  }
  if (Deno.version.deno === DENO_VERSION) {
    return {
      path: Deno.execPath(),
      how: `the running Deno ${DENO_VERSION} (npm ${pkg} could not be fetched: ${why})`,
    };
  }
  throw new Error(
    `Deno ${DENO_VERSION} for ${platform} is not at hand: npm ${pkg} could not be fetched ` +
      `(${why}) and this is Deno ${Deno.version.deno}`,
  );
}

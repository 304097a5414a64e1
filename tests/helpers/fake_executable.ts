/**
 * For tests of sensors that run a program (nvidia-smi, powermetrics, PowerLog): a real
 * runtime whose children see extra environment variables (the fakes read their settings
 * there), and stand-in executables written into a folder.
 *
 * @module
 */
import { join } from "node:path";
import { denoRuntime, type Runtime } from "../../lib/runtime.ts";

/**
 * A real runtime whose child processes also see `env`.
 *
 * @param env Variables added to every spawned or run child's environment.
 * @returns The runtime.
 */
export function runtimeWithChildEnv(env: Record<string, string>): Runtime {
  return {
    ...denoRuntime,
    spawn: (command, options = {}) =>
      denoRuntime.spawn(command, { ...options, env: { ...options.env, ...env } }),
    output: (command, options = {}) =>
      denoRuntime.output(command, { ...options, env: { ...options.env, ...env } }),
  };
}

/**
 * Writes an executable script (mode 0755).
 *
 * @param dir The folder (a temp dir the test removes).
 * @param name The file name.
 * @param script The script, starting with its `#!` line.
 * @returns The script's path.
 */
export async function writeExecutable(dir: string, name: string, script: string): Promise<string> {
  const path = join(dir, name);
  await Deno.writeTextFile(path, script);
  await Deno.chmod(path, 0o755);
  return path;
}

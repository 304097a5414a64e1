import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** main.ts of this repository. */
export const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

/** Environment for a CLI under test: no real sensors unless the test gives fakes. */
export function isolatedEnv(
  dir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? dir,
    DENO_DIR: Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? dir, ".cache", "deno"),
    IMPACT_SYSFS_ROOT: join(dir, "no-sys"),
    IMPACT_PROCFS_ROOT: Deno.build.os === "linux" ? "/proc" : join(dir, "no-proc"),
    IMPACT_NVIDIA_SMI: join(dir, "no-nvidia-smi"),
    IMPACT_NVML_LIB: join(dir, "no-libnvidia-ml.so"),
    // The node sampler's lock: a test's own folder, not the machine's /dev/shm.
    IMPACT_LOCK_DIR: dir,
    NO_COLOR: "1",
    ...extra,
  };
}

/** Spawns `impact <args>` with piped output. */
export function spawnImpact(args: string[], cwd: string, env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs `impact <args>` to completion. */
export async function runImpact(args: string[], cwd: string, env: Record<string, string>) {
  const out = await spawnImpact(args, cwd, env).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Reads a stream until `marker` appears; returns the text so far and the rest of the stream. */
export async function readUntil(stream: ReadableStream<Uint8Array>, marker: string) {
  const reader = stream.getReader();
  const dec = new TextDecoder();
  let text = "";
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
  }
  return { text, reader };
}

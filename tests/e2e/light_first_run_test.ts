/**
 * A user's first `deno run -A main.ts run --demo` downloads only what the tool imports: Deno
 * installs every npm package of deno.lock on a first run, so deno.lock must hold only what
 * deno.json's "imports" reach, never the data-build or test packages of its "scopes"
 * (scripts/lock.ts). The download itself is measured under CI or with IMPACT_NETWORK_TESTS=1.
 */
import { deepEqual, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Lockfile, pruneToRoot, rootImports } from "../../scripts/lock.ts";
import { skipUnlessNetworkWanted } from "../helpers/requirements.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Today about 11 MB (npm packages 5 MB, Deno's caches the rest); before the split, 337 MB. */
const LIMIT_BYTES = 20e6;

Deno.test("deno.lock holds only the packages that deno.json's imports reach", async () => {
  const lock = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.lock"))) as Lockfile;
  const imports = rootImports(await Deno.readTextFile(join(ROOT, "deno.json")));
  ok(imports.length > 0);
  deepEqual(
    Object.keys(lock.npm ?? {}),
    Object.keys(pruneToRoot(lock, imports).npm ?? {}),
    "deno.lock holds packages the tool does not import: run `deno task lock`",
  );
});

async function bytesUnder(path: string): Promise<number> {
  let total = 0;
  for await (const entry of Deno.readDir(path)) {
    const child = join(path, entry.name);
    if (entry.isDirectory) total += await bytesUnder(child);
    else if (entry.isFile) total += (await Deno.stat(child)).size;
  }
  return total;
}

Deno.test({
  name: "a first `run --demo` with an empty DENO_DIR downloads well under 40 MB",
  ignore: skipUnlessNetworkWanted("a first run's download", "about 10 MB from the npm registry"),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "impact-first-run-" });
    try {
      const denoDir = join(dir, "deno-dir");
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", join(ROOT, "main.ts"), "run", "--demo", "--log-dir", "log"],
        cwd: dir,
        // The rest of the environment stays: proxies and certificate stores reach npm.
        env: {
          HOME: dir,
          DENO_DIR: denoDir,
          DENO_NO_UPDATE_CHECK: "1",
          NO_COLOR: "1",
          IMPACT_SYSFS_ROOT: join(dir, "no-sys"),
          IMPACT_NVIDIA_SMI: join(dir, "no-nvidia-smi"),
          IMPACT_NVML_LIB: join(dir, "no-libnvidia-ml.so"),
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      ok(out.code === 0, stderr);
      const bytes = await bytesUnder(denoDir);
      console.log(`DENO_DIR after a first run --demo: ${(bytes / 1e6).toFixed(1)} MB`);
      ok(bytes < LIMIT_BYTES, `DENO_DIR holds ${(bytes / 1e6).toFixed(1)} MB`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

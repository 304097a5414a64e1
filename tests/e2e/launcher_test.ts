/**
 * `dist/impact` as the build's launcher (scripts/build/launcher.ts) on a machine with no Deno,
 * no Node and no network: one file copied alone into an empty folder, started with nothing in
 * the environment but PATH=/usr/bin:/bin and HOME (fresh, unset, or unusable), twice at once
 * on a fresh home. Linux only; it builds (about 10 s, and the first time Deno fetches npm's
 * 43 MB runtime package unless the running Deno is the pinned release).
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "../../lib/version.ts";
import { LAUNCHER_FAILED } from "../../scripts/build/launcher.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// Linux: a read-only home for root is /proc; the exec check reads /proc/<pid>/exe.
const ignore = Deno.build.os !== "linux";
const decoder = new TextDecoder();

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function names(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(path)) out.push(entry.name);
  return out.sort();
}

async function denoDir(): Promise<string> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
  })
    .output();
  return (JSON.parse(decoder.decode(info.stdout)) as { denoDir: string }).denoDir;
}

/** Builds the launcher into `dir/build/impact`, its --version check unpacking into `dir`. */
async function buildLauncher(dir: string): Promise<string> {
  const out = join(dir, "build", "impact");
  const build = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "scripts", "build.ts"), "--launcher", "--out", out],
    cwd: ROOT,
    // Deno's own cache stays where it is (the npm packages are there); HOME is a fresh one.
    env: { HOME: join(dir, "build-home"), XDG_CACHE_HOME: "", DENO_DIR: await denoDir() },
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(build.code, 0, decoder.decode(build.stdout) + decoder.decode(build.stderr));
  return out;
}

Deno.test({
  name: "dist/impact copied alone runs with an empty environment, and unpacks once, atomically",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "impact-launcher-" });
    try {
      const built = await buildLauncher(dir);
      const size = (await Deno.stat(built)).size;
      ok(size < 64 * 2 ** 20, `dist/impact is ${size} bytes`);

      // The file alone, in a folder of its own; started from another folder.
      await Deno.mkdir(join(dir, "bin"));
      const impact = join(dir, "bin", "impact");
      await Deno.copyFile(built, impact);
      await Deno.chmod(impact, 0o755);
      const work = join(dir, "work");
      await Deno.mkdir(work);
      const start = (args: string[], env: Record<string, string>) =>
        new Deno.Command(impact, {
          args,
          cwd: work,
          env: { PATH: "/usr/bin:/bin", ...env },
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        });
      const run = async (args: string[], env: Record<string, string>) => {
        const out = await start(args, env).output();
        return {
          code: out.code,
          stdout: decoder.decode(out.stdout),
          stderr: decoder.decode(out.stderr),
        };
      };

      // A fresh, empty home.
      const home = join(dir, "home");
      await Deno.mkdir(home);
      const first = await run(["--version"], { HOME: home });
      deepEqual(first, { code: 0, stdout: `${VERSION}\n`, stderr: "" });
      const cache = join(home, ".cache", "impact");
      const [id = "", ...others] = await names(cache);
      deepEqual(others, [], "one folder per build, no temporary folder left behind");
      ok(id.startsWith(`${VERSION}-`), id);
      ok(await exists(join(cache, id, "deno")) && await exists(join(cache, id, ".complete")));
      deepEqual(await run(["--version"], { HOME: home }), first);

      const job = await run(["run", "--log-dir", "log", "--", "true"], { HOME: home });
      equal(job.code, 0, job.stderr);
      ok(await exists(join(work, "log", "summary.json")));
      const failing = await run(
        ["run", "--quiet", "--log-dir", "log2", "--", "sh", "-c", "exit 7"],
        {
          HOME: home,
        },
      );
      equal(failing.code, 7, failing.stderr);

      // exec, not a child: the launcher's process is the runtime itself, so signals reach it.
      {
        const child = start(["run", "--quiet", "--log-dir", "log3", "--", "sleep", "30"], {
          HOME: home,
        }).spawn();
        const exe = () => Deno.readLink(`/proc/${child.pid}/exe`).catch(() => "");
        // Until the shell has exec'd (at once: the cache is ready).
        for (let i = 0; i < 200 && !(await exe()).endsWith("/deno"); i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        equal(await exe(), join(cache, id, "deno"));
        child.kill("SIGTERM");
        const status = await child.output();
        equal(status.code, 128 + 15, decoder.decode(status.stderr));
      }

      // No home, or a read-only one: a folder of this user's own under TMPDIR.
      const readOnly = join(dir, "read-only-home");
      await Deno.mkdir(readOnly, { mode: 0o555 });
      // Root writes through mode bits, but not into /proc.
      const readOnlyHome = Deno.uid() === 0 ? "/proc" : readOnly;
      const homes: [string, Record<string, string>][] = [
        ["unset", {}],
        ["read-only", { HOME: readOnlyHome }],
      ];
      for (const [what, env] of homes) {
        const tmp = await Deno.makeTempDir({ dir, prefix: "tmp-" });
        const out = await run(["--version"], { ...env, TMPDIR: tmp });
        deepEqual(out, first, `home ${what}`);
        const private_ = join(tmp, `impact-${Deno.uid()}`);
        ok(await exists(join(private_, id, ".complete")), `home ${what}: unpacked in ${tmp}`);
        equal((await Deno.stat(private_)).mode! & 0o777, 0o700);
      }
      deepEqual(await names(readOnly), []);

      // Nowhere to unpack: a clear message and the launcher's own exit code.
      const nowhere = await run(["--version"], { HOME: readOnlyHome, TMPDIR: readOnlyHome });
      equal(nowhere.code, LAUNCHER_FAILED);
      ok(nowhere.stderr.includes("cannot unpack its runtime"), nowhere.stderr);

      // Two first runs at once on a fresh home: both work, one folder results.
      const shared = join(dir, "shared-home");
      await Deno.mkdir(shared);
      const both = await Promise.all([1, 2].map(() => run(["--version"], { HOME: shared })));
      deepEqual(both, [first, first]);
      const sharedCache = join(shared, ".cache", "impact");
      deepEqual(await names(sharedCache), [id]);
      ok(!(await names(join(sharedCache, id))).some((name) => name.startsWith(`.${VERSION}`)));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

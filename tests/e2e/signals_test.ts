/**
 * One Ctrl-C, once (issue 12): a terminal's Ctrl-C reaches the child of `impact run` exactly
 * once (the terminal sends it to the whole foreground group; impact does not send a second), and
 * a SIGTERM or SIGINT sent to impact's pid alone (a batch system, `kill`) reaches it once too.
 * The child is a C program that counts each delivery (tests/fixtures/count_signals.c).
 */
import { equal } from "node:assert/strict";
import { join } from "node:path";
import { isolatedEnv, MAIN, spawnImpact } from "../helpers/cli_process.ts";
import { buildSignalCounter } from "../helpers/signal_counter.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const counter = await buildSignalCounter();
globalThis.addEventListener("unload", () => {
  if (counter) Deno.removeSync(join(counter.path, ".."), { recursive: true });
});
const hasScript = await new Deno.Command("script", { args: ["--version"], stdout: "null" })
  .output().then((out) => out.success, () => false);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(path: string) {
  for (let i = 0; i < 600; i++) {
    if (await Deno.stat(path).then(() => true, () => false)) return;
    await sleep(50);
  }
  throw new Error(`${path} never appeared`);
}

const read = (path: string) => Deno.readTextFile(path).catch(() => "");

Deno.test({
  name: "Ctrl-C on the terminal reaches the child once, not twice",
  ignore: !counter || !hasScript || Deno.build.os !== "linux",
  async fn() {
    await using dir = await tempDir();
    const counts = join(dir.path, "counts");
    const ready = join(dir.path, "ready");
    const impact = [Deno.execPath(), "run", "-A", MAIN, "run", "--quiet", "--no-env"];
    const line = [...impact, "--log-dir", join(dir.path, "log"), "--", counter!.path, counts, ready]
      .map((word) => `'${word}'`).join(" ");
    // `script` gives impact a terminal of its own (a pty), impact and its child in its
    // foreground group, as in an interactive shell; a 0x03 typed into it is Ctrl-C.
    const terminal = new Deno.Command("script", {
      args: ["-qefc", `exec ${line}`, "/dev/null"],
      cwd: dir.path,
      env: isolatedEnv(dir.path),
      clearEnv: true,
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const keys = terminal.stdin.getWriter();
    await waitFor(ready);
    await keys.write(new Uint8Array([3]));
    const status = await terminal.status;
    await keys.close().catch(() => {});
    equal(await read(counts), "I", "one SIGINT, from the terminal");
    equal(status.code, 0, "the child's own exit code");
  },
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test({
    name: `${signal} sent to impact's pid alone (a batch system) reaches the child once`,
    ignore: !counter,
    async fn() {
      await using dir = await tempDir();
      const counts = join(dir.path, "counts");
      const ready = join(dir.path, "ready");
      const impact = spawnImpact(
        [
          "run",
          "--quiet",
          "--no-env",
          "--log-dir",
          join(dir.path, "log"),
          "--",
          counter!.path,
          counts,
          ready,
        ],
        dir.path,
        isolatedEnv(dir.path),
      );
      await waitFor(ready);
      impact.kill(signal);
      const out = await impact.output();
      equal(await read(counts), signal === "SIGTERM" ? "T" : "I");
      equal(out.code, 0, new TextDecoder().decode(out.stderr));
    },
  });
}

/**
 * A job that daemonises (issue 12): the process it leaves running outside its tree is named on
 * stderr and in impact.json, since its CPU time is not counted; a job that waits for its own
 * background work has no such note.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { join } from "node:path";
import { readLogDir } from "../../lib/log/read.ts";
import { isolatedEnv, runImpact } from "../helpers/cli_process.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const hasSetsid = await new Deno.Command("setsid", { args: ["--version"], stdout: "null" })
  .output().then((out) => out.success, () => false);

Deno.test({
  name: "a daemon the job leaves running is named, with its pid, and the job's exit code stands",
  ignore: Deno.build.os !== "linux" || !hasSetsid,
  async fn() {
    await using dir = await tempDir();
    const pidFile = join(dir.path, "daemon.pid");
    // Fork, new session, parent gone, stdio let go: reparented to init, out of the job's tree
    // and session, as a daemon.
    const job = `( setsid sleep 30 </dev/null >/dev/null 2>&1 & echo $! > ${pidFile} ); ` +
      "sleep 0.3; exit 3";
    try {
      const out = await runImpact(
        ["run", "--quiet", "--no-env", "--log-dir", join(dir.path, "log"), "--", "sh", "-c", job],
        dir.path,
        isolatedEnv(dir.path),
      );
      const pid = Number(await Deno.readTextFile(pidFile));
      equal(out.code, 3);
      match(
        out.stderr,
        new RegExp(
          `impact: 1 process the command started is still running outside its process tree \\(pid ${pid}: sleep 30\\), e\\.g\\. a daemon: impact did not count its CPU time`,
        ),
      );
      const log = await readLogDir(join(dir.path, "log"));
      deepEqual(log.info.escapedProcesses, { count: 1, processes: [{ pid, command: "sleep 30" }] });
    } finally {
      const pid = Number(await Deno.readTextFile(pidFile).catch(() => "0"));
      if (pid > 0) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }
    }
  },
});

Deno.test({
  name: "a job that waits for its background work leaves nothing to note",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using dir = await tempDir();
    const out = await runImpact(
      [
        "run",
        "--quiet",
        "--no-env",
        "--log-dir",
        join(dir.path, "log"),
        "--",
        "sh",
        "-c",
        "sleep 0.2 & wait",
      ],
      dir.path,
      isolatedEnv(dir.path),
    );
    equal(out.code, 0);
    equal(out.stderr, "");
    equal((await readLogDir(join(dir.path, "log"))).info.escapedProcesses, undefined);
  },
});

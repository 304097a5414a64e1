import { ok } from "node:assert/strict";
import { join } from "node:path";
import { readLogDir } from "../../lib/log/read.ts";
import { isolatedEnv, runImpact } from "../helpers/cli_process.ts";
import { tempDir } from "../helpers/temp_dir.ts";

// A shell loop that burns a few tenths of a second of CPU in the shell itself, then prints
// the shell's own user + system ticks (/proc/$$/stat fields 14 and 15).
const BURN = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; " +
  'set -- $(sed "s/.*) //" /proc/$$/stat); echo $(( ${12} + ${13} ))';

Deno.test({
  name: "a job shorter than one interval still gets its CPU time",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using dir = await tempDir();
    const bare = await new Deno.Command("sh", { args: ["-c", BURN], stdout: "piped" }).output();
    const bareSeconds = Number(new TextDecoder().decode(bare.stdout).trim()) / 100;
    ok(bareSeconds > 0.05, `the loop burnt only ${bareSeconds} s`);
    const logDir = join(dir.path, "log");
    const r = await runImpact(
      ["run", "--interval", "5", "--no-env", "--log-dir", logDir, "--", "sh", "-c", BURN],
      dir.path,
      isolatedEnv(dir.path, { IMPACT_NVIDIA_SMI: join(dir.path, "no-nvidia-smi") }),
    );
    ok(r.code === 0, r.stderr);
    const { summary } = await readLogDir(logDir);
    const tracked = Number(r.stdout.trim()) / 100;
    // No sample fell inside the job: its time comes from impact's reaped-children time.
    ok(summary.samples === 1, `${summary.samples} samples`);
    ok(
      Math.abs(summary.cpuSeconds - tracked) <= 0.02 + 0.05 * tracked,
      `impact says ${summary.cpuSeconds} s, the job's shell ${tracked} s (bare ${bareSeconds} s)`,
    );
  },
});

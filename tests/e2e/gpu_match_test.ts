/**
 * A busy GPU that no process of the job was seen on (a container sees the host's pids) is
 * said, with the fix, by `impact doctor` and in `impact run`'s summary and impact.json.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { join } from "node:path";
import { readLogDir } from "../../lib/log/read.ts";
import { isolatedEnv, runImpact } from "../helpers/cli_process.ts";
import { fixturePath } from "../helpers/fixture_files.ts";
import { tempDir } from "../helpers/temp_dir.ts";

/** Above Linux's largest pid_max, so no process here has it: a host pid seen from a container. */
const HOST_PID = "4194399";

const smiEnv = (dir: string, extra: Record<string, string> = {}) =>
  isolatedEnv(dir, {
    IMPACT_NVIDIA_SMI: fixturePath("fake-nvidia-smi"),
    FAKE_SMI_GPUS: "2",
    FAKE_SMI_UTIL: "90",
    FAKE_SMI_APPS: `0:${HOST_PID}`,
    ...extra,
  });

Deno.test("impact doctor names the GPUs a job here gets, and pids it cannot match", async () => {
  await using dir = await tempDir();
  const env = smiEnv(dir.path, {
    CUDA_VISIBLE_DEVICES: "GPU-f0e1d2c3-0000-4000-8000-000000000001",
  });
  const text = await runImpact(["doctor"], dir.path, env);
  equal(text.code, 0, text.stderr);
  match(
    text.stdout,
    /GPUs of a job run here\n {2}gpu-1: CUDA_VISIBLE_DEVICES names the GPUs by UUID/,
  );
  match(
    text.stdout,
    new RegExp(
      `note: gpu-0 runs processes ${HOST_PID} that this machine's /proc does not show .*--gpus <UUIDs>`,
    ),
  );
  const report = JSON.parse((await runImpact(["doctor", "--json"], dir.path, env)).stdout);
  deepEqual(report.gpuVisibility.gpus.map((g: { device: string }) => g.device), ["gpu-1"]);
  equal(report.gpuNotes.length, 1);
});

Deno.test("impact run says when a busy GPU was charged nothing because no job pid was seen", async () => {
  await using dir = await tempDir();
  const logDir = join(dir.path, "log");
  const r = await runImpact(
    ["run", "--no-env", "--interval", "0.2", "--log-dir", logDir, "--", "sleep", "0.6"],
    dir.path,
    smiEnv(dir.path),
  );
  equal(r.code, 0, r.stderr);
  match(
    r.stderr,
    new RegExp(
      `gpu-0 was busy \\(up to 90% utilisation; processes ${HOST_PID}\\) but no process of the job was seen on it.*--gpus GPU-f0e1d2c3-0000-4000-8000-000000000000, or set CUDA_VISIBLE_DEVICES / NVIDIA_VISIBLE_DEVICES`,
    ),
  );
  const log = await readLogDir(logDir);
  deepEqual(log.info.unmatchedBusyGpus?.map((g) => [g.device, g.processIds]), [
    ["gpu-0", [Number(HOST_PID)]],
    ["gpu-1", []],
  ]);
  equal(log.summary.gpuSeconds, 0);
});

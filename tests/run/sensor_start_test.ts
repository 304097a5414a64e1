/**
 * A sensor that discovery found but that cannot start (nvidia-smi gone in between): exit 5,
 * before the command starts, as the README's exit codes say.
 */
import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { runJob } from "../../lib/run/runner.ts";
import { ExitCode, RunError } from "../../lib/run/errors.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import { FakeSensor } from "../helpers/fake_sensors.ts";
import { isolatedEnv } from "../helpers/cli_process.ts";
import { parseRunArgv } from "../helpers/run_argv.ts";
import { tempDir } from "../helpers/temp_dir.ts";

Deno.test("a sensor that cannot start: exit 5, and the command is not started", async () => {
  await using dir = await tempDir();
  const sensor = new FakeSensor("nvidia-smi", denoRuntime, [
    { component: "gpu", device: "gpu-0", powerWatts: 100 },
  ]);
  sensor.start = () => Promise.reject(new Error("nvidia-smi: No such file or directory"));
  const env = isolatedEnv(dir.path);
  const ran = join(dir.path, "ran");
  const error = await runJob(
    parseRunArgv(["--quiet", "--no-env", "--log-dir", join(dir.path, "log"), "--", "touch", ran]),
    {
      runtime: { ...denoRuntime, env: (name) => env[name] },
      cwd: dir.path,
      stderr: () => {},
      stderrIsTerminal: false,
      discover: () =>
        Promise.resolve({
          sensors: [sensor],
          statuses: [],
          cpu: {},
          gpus: [],
          close: () => Promise.resolve(),
        }),
      demoCommand: () => ({ spawn: ["true"], recorded: ["true"], workload: [] }),
    },
  ).catch((error) => error);
  ok(error instanceof RunError, String(error));
  equal(error.exitCode, ExitCode.sensor);
  match(error.message, /^A sensor failed to start: nvidia-smi: No such file or directory/);
  equal(await Deno.stat(ran).then(() => true, () => false), false, "the command ran");
});

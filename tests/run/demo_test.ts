import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { readLogDir } from "../../lib/log/read.ts";
import { demoCommand, withDemoEnv } from "../../lib/run/demo.ts";
import { runJob } from "../../lib/run/runner.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import { discoverSensors } from "../../lib/sensors/registry.ts";
import { isolatedEnv } from "../helpers/cli_process.ts";
import { parseRunArgv } from "../helpers/run_argv.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const NPX_DENO = "/home/ada/.npm/_npx/6c1f2a/node_modules/deno/deno";

Deno.test("--demo records what the user ran, not the npx cache path it runs through", () => {
  const demo = demoCommand(NPX_DENO, "file:///home/ada/impact/main.ts", 5);
  deepEqual(demo.spawn, [NPX_DENO, "run", "-A", "/home/ada/impact/main.ts", "__workload", "5"]);
  deepEqual(demo.recorded, ["impact", "run", "--demo"]);
  deepEqual(demo.workload, ["impact", "__workload", "5"]);
  // A compiled binary runs itself; what is recorded does not depend on where it lies.
  const compiled = demoCommand("/opt/tools/impact-linux-x86_64", "file:///main.ts", 5);
  deepEqual(compiled.spawn, ["/opt/tools/impact-linux-x86_64", "__workload", "5"]);
  deepEqual(compiled.recorded, demo.recorded);
});

Deno.test("a --demo run's impact.json names `impact run --demo` and its workload", async () => {
  await using dir = await tempDir();
  const logDir = join(dir.path, "log");
  const env = isolatedEnv(dir.path);
  const real = demoCommand(NPX_DENO, "file:///home/ada/impact/main.ts", 5);
  const code = await runJob(parseRunArgv(["--demo", "--quiet", "--no-env", "--log-dir", logDir]), {
    runtime: { ...denoRuntime, env: (name) => env[name] },
    cwd: dir.path,
    stderr: () => {},
    stderrIsTerminal: false,
    discover: discoverSensors,
    // The workload itself is replaced by `true`: what matters is what impact.json records.
    demoCommand: () => ({ ...real, spawn: ["true"] }),
  });
  equal(code, 0);
  const log = await readLogDir(logDir);
  deepEqual(log.info.command, ["impact", "run", "--demo"]);
  deepEqual(log.info.options?.["workload"], ["impact", "__workload", "5"]);
  ok(!JSON.stringify(log.info).includes(".npm/_npx"));
});

Deno.test("the demo's own Deno process starts with DENO_NO_UPDATE_CHECK=1, other commands as they were", () => {
  const spawned: { command: string; env?: Record<string, string> }[] = [];
  const runtime = withDemoEnv({
    ...denoRuntime,
    spawn(command, options = {}) {
      spawned.push({ command, ...(options.env ? { env: options.env } : {}) });
      return undefined as unknown as Deno.ChildProcess;
    },
  }, NPX_DENO);
  runtime.spawn(NPX_DENO, { args: ["run"], env: { KEEP: "1" } });
  runtime.spawn("nvidia-smi", { args: [] });
  deepEqual(spawned, [
    { command: NPX_DENO, env: { KEEP: "1", DENO_NO_UPDATE_CHECK: "1" } },
    { command: "nvidia-smi" },
  ]);
});

/**
 * `impact run` against hostile surroundings (issue 12). A log folder that fills up during the run: the command keeps running and its exit
 * code is impact's, what was written is kept, the log is finished as far as space allows, what
 * could not be written is said, and no temporary file is left. Folders the file system refuses
 * before the start get exit 3 with the path and the fix.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { type RunDeps, runJob } from "../../lib/run/runner.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import type { Discovery } from "../../lib/sensors/registry.ts";
import { ExitCode, RunError } from "../../lib/run/errors.ts";
import type { LogDirChoice, LogWriter } from "../../lib/log/write.ts";
import { FakeSensor } from "../helpers/fake_sensors.ts";
import { failingLogWriter, type FailingWrites } from "../helpers/failing_log.ts";
import { isolatedEnv } from "../helpers/cli_process.ts";
import { parseRunArgv } from "../helpers/run_argv.ts";
import { tempDir } from "../helpers/temp_dir.ts";
import { canMountTmpfs, mountTmpfs, unwritableDir } from "../helpers/small_tmpfs.ts";

/** One CPU package at 10 W, on the real clock (asking to be read every `maxReadMs`). */
function fakeDiscovery(maxReadMs?: number): Promise<Discovery> {
  const sensor = new FakeSensor("rapl", denoRuntime, [
    { component: "cpu", device: "package-0", powerWatts: 10 },
  ], maxReadMs === undefined ? {} : { maxReadMs });
  return Promise.resolve({
    sensors: [sensor],
    statuses: [],
    cpu: {},
    gpus: [],
    close: () => Promise.resolve(),
  });
}

/** Runs `impact run` in-process over a fake sensor, with the log writer given. */
async function run(
  dir: string,
  argv: string[],
  openLog?: (choice: LogDirChoice) => Promise<LogWriter>,
  maxReadMs?: number,
) {
  let stderr = "";
  const env = isolatedEnv(dir);
  const deps: RunDeps = {
    runtime: { ...denoRuntime, env: (name) => env[name] },
    cwd: dir,
    stderr: (text) => void (stderr += text),
    stderrIsTerminal: false,
    discover: () => fakeDiscovery(maxReadMs),
    demoCommand: () => ({ spawn: ["true"], recorded: ["true"], workload: [] }),
  };
  if (openLog) deps.openLog = openLog;
  const code = await runJob(parseRunArgv(argv), deps).catch((error) => error);
  return { code, stderr: () => stderr };
}

/** A job that runs 0.8 s at 10 samples a second and exits 7, with these writes refused. */
async function fullDuring(fail: FailingWrites) {
  const dir = await tempDir();
  const logDir = join(dir.path, "log");
  const result = await run(
    dir.path,
    ["--interval", "0.1", "--no-env", "--log-dir", logDir, "--", "sh", "-c", "sleep 0.8; exit 7"],
    (choice) => failingLogWriter(choice, fail),
  );
  const files = [...Deno.readDirSync(logDir)].map((e) => e.name).sort();
  const read = (name: string) => Deno.readTextFileSync(join(logDir, name));
  return { ...result, dir, logDir, files, read };
}

Deno.test("samples refused from the 3rd on: the job's 7 is the exit code, the first two are kept and summarised", async () => {
  const result = await fullDuring({ samplesFrom: 3 });
  await using _ = result.dir;
  equal(result.code, 7);
  const lines = result.read("samples.jsonl").trim().split("\n");
  equal(lines.length, 2);
  const summary = JSON.parse(result.read("summary.json"));
  equal(summary.samples, 2);
  equal(summary.exitCode, 7);
  const info = JSON.parse(result.read("impact.json"));
  equal(info.exitCode, 7);
  equal(info.logErrors.length, 1);
  match(
    info.logErrors[0],
    /samples\.jsonl: No space left on device \(os error 28\); sampling stopped there, the samples before it are kept/,
  );
  match(result.stderr(), /impact: sampling stopped: cannot write .*samples\.jsonl: No space left/);
  match(result.stderr(), /the command keeps running/);
  match(result.stderr(), /impact: log incomplete: cannot write .*samples\.jsonl/);
  deepEqual(result.files, ["impact.json", "samples.jsonl", "summary.json"]);
});

Deno.test("nothing fits after the start: exit 7, the start's impact.json kept, every missing file said", async () => {
  const result = await fullDuring({ samplesFrom: 1, summary: true, infoFrom: 2 });
  await using _ = result.dir;
  equal(result.code, 7);
  const info = JSON.parse(result.read("impact.json"));
  equal(info.exitCode, undefined, "the start's version: no end");
  const said = result.stderr();
  match(said, /log incomplete: cannot write .*samples\.jsonl/);
  match(
    said,
    /log incomplete: cannot write .*summary\.json: No space left on device.*`impact summary .*` rebuilds it from samples\.jsonl/,
  );
  match(
    said,
    /log incomplete: cannot write .*impact\.json: No space left on device.*keeps what the run's start wrote/,
  );
  deepEqual(result.files, ["impact.json", "samples.jsonl"]);
});

Deno.test("summary.json refused: impact.json's end fields say so", async () => {
  const result = await fullDuring({ summary: true });
  await using _ = result.dir;
  equal(result.code, 7);
  const info = JSON.parse(result.read("impact.json"));
  equal(info.exitCode, 7);
  match(info.logErrors[0], /summary\.json: No space left on device/);
  ok(result.read("samples.jsonl").trim().split("\n").length >= 3);
  deepEqual(result.files, ["impact.json", "samples.jsonl"]);
});

Deno.test("impact.json refused before the start: exit 3 naming the folder and the fix, command not run", async () => {
  await using dir = await tempDir();
  const marker = join(dir.path, "ran");
  const logDir = join(dir.path, "log");
  const result = await run(
    dir.path,
    ["--quiet", "--no-env", "--log-dir", logDir, "--", "touch", marker],
    (choice) => failingLogWriter(choice, { infoFrom: 1 }),
  );
  ok(result.code instanceof RunError);
  equal(result.code.exitCode, ExitCode.input);
  match(
    result.code.message,
    /^Cannot write impact\.json in .*\/log: no space left on the device \(cannot write .*impact\.json: No space left on device \(os error 28\)\); free some space there, or choose a --log-dir on another file system; the command was not started$/,
  );
  equal(await Deno.stat(marker).then(() => true, () => false), false);
});

/** Runs a short job with `--log-dir logDir` (or IMPACT_LOG_DIR) and expects exit 3. */
async function refused(logDir: string, viaEnv = false) {
  await using dir = await tempDir();
  const marker = join(dir.path, "ran");
  const flags = viaEnv ? [] : ["--log-dir", logDir];
  let stderr = "";
  const env = isolatedEnv(dir.path, viaEnv ? { IMPACT_LOG_DIR: logDir } : {});
  const result = await runJob(parseRunArgv(["--quiet", ...flags, "--", "touch", marker]), {
    runtime: { ...denoRuntime, env: (name) => env[name] },
    cwd: dir.path,
    stderr: (text) => void (stderr += text),
    stderrIsTerminal: false,
    discover: () => fakeDiscovery(),
    demoCommand: () => ({ spawn: ["true"], recorded: ["true"], workload: [] }),
  }).catch((error) => error);
  ok(result instanceof RunError, `expected a RunError, got ${result}`);
  equal(result.exitCode, ExitCode.input);
  equal(await Deno.stat(marker).then(() => true, () => false), false, "not started");
  return result.message;
}

Deno.test("a log dir under a file: exit 3 with the path and the fix, never an internal error", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "a-file");
  await Deno.writeTextFile(file, "");
  match(
    await refused(join(file, "log")),
    /^Cannot create the log directory .*a-file\/log: it, or a folder on its path, is a file where a folder is needed \(.*\); choose a --log-dir whose parent folders are folders; the command was not started$/,
  );
  // The same through IMPACT_LOG_DIR (a default folder name under it).
  match(
    await refused(join(file, "logs"), true),
    /a-file\/logs\/\d{8}T\d{6}Z-touch: it, or a folder on its path/,
  );
});

Deno.test({
  name: "a log dir the user may not write: exit 3, permission denied and the fix",
  ignore: !(await unwritableDir().then(async (d) => {
    await d?.[Symbol.asyncDispose]();
    return d !== undefined;
  })),
  async fn() {
    await using locked = (await unwritableDir())!;
    match(
      await refused(join(locked.path, "log")),
      /^Cannot create the log directory .*\/log: permission denied \(.*\); choose a folder you may write with --log-dir \(or IMPACT_LOG_DIR\), or give your user write access to it; the command was not started$/,
    );
  },
});

Deno.test({
  name: "a log dir on a read-only file system: exit 3 and the fix",
  ignore: !canMountTmpfs,
  async fn() {
    await using disk = (await mountTmpfs(64 * 1024))!;
    const remount = (mode: string) =>
      new Deno.Command("mount", { args: ["-o", `remount,${mode}`, disk.path] }).output();
    await remount("ro");
    try {
      match(
        await refused(join(disk.path, "log")),
        /: the file system is read-only \(.*os error 30.*\); choose a --log-dir on a writable file system/,
      );
    } finally {
      await remount("rw");
    }
  },
});

Deno.test("a sensor asking to be read every 3 ms is read every 100 ms, said on stderr and in impact.json", async () => {
  await using dir = await tempDir();
  const logDir = join(dir.path, "log");
  const result = await run(
    dir.path,
    ["--quiet", "--no-env", "--log-dir", logDir, "--", "true"],
    undefined,
    3,
  );
  equal(result.code, 0);
  match(
    result.stderr(),
    /^impact: rapl asks to be read every 3 ms; impact reads no more often than every 100 ms/,
  );
  const info = JSON.parse(await Deno.readTextFile(join(logDir, "impact.json")));
  deepEqual(info.options.intervalFloor, { sensor: "rapl", askedMs: 3, floorMs: 100 });
});

/**
 * `impact run` with its log folder on a small tmpfs that the job fills (issue 12): the job's exit
 * code 7 is impact's, the samples written are kept, the rest is said, no temporary file stays.
 * Skipped where a tmpfs cannot be mounted (not root, not Linux).
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { isolatedEnv, runImpact } from "../helpers/cli_process.ts";
import { canMountTmpfs, mountTmpfs } from "../helpers/small_tmpfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

/**
 * Runs a job that fills the tmpfs after 0.6 s, runs on 2.5 s (two dozen sample lines: more than
 * the page samples.jsonl had left), then (optionally frees it and) exits 7.
 */
async function fillDuringRun(free: boolean) {
  await using dir = await tempDir();
  await using disk = (await mountTmpfs(512 * 1024))!;
  const logDir = join(disk.path, "log");
  const fill = join(disk.path, "fill");
  const job = `sleep 0.6; head -c 8M /dev/zero > ${fill} 2>/dev/null; sleep 2.5; ` +
    `${free ? `rm ${fill}; ` : ""}exit 7`;
  const out = await runImpact(
    ["run", "--interval", "0.1", "--no-env", "--log-dir", logDir, "--", "sh", "-c", job],
    dir.path,
    isolatedEnv(dir.path),
  );
  const files = [...Deno.readDirSync(logDir)].map((e) => e.name).sort();
  const contents = Object.fromEntries(
    files.map((name) => [name, Deno.readTextFileSync(join(logDir, name))]),
  );
  return { ...out, files, read: (name: string) => contents[name] ?? "" };
}

Deno.test({
  name: "a disk that fills during the run and stays full: exit 7, samples kept, the rest said",
  ignore: !canMountTmpfs,
  async fn() {
    const run = await fillDuringRun(false);
    equal(run.code, 7, run.stderr);
    match(
      run.stderr,
      /impact: sampling stopped: cannot write .*samples\.jsonl: No space left on device/,
    );
    match(run.stderr, /log incomplete: cannot write .*summary\.json: No space left on device/);
    // No summary.json and no temporary file: impact.json is the start's, samples whole lines.
    deepEqual(run.files, ["impact.json", "samples.jsonl"]);
    const lines = run.read("samples.jsonl").split("\n").filter((l) => l !== "");
    ok(lines.length >= 1, "samples before the disk filled are kept");
    for (const line of lines) JSON.parse(line);
  },
});

Deno.test({
  name: "a disk freed before the end: summary.json and impact.json's end say what was lost",
  ignore: !canMountTmpfs,
  async fn() {
    const run = await fillDuringRun(true);
    equal(run.code, 7, run.stderr);
    deepEqual(run.files, ["impact.json", "samples.jsonl", "summary.json"]);
    const info = JSON.parse(run.read("impact.json"));
    equal(info.exitCode, 7);
    match(info.logErrors[0], /samples\.jsonl: No space left on device/);
    const summary = JSON.parse(run.read("summary.json"));
    equal(summary.exitCode, 7);
    equal(summary.samples, run.read("samples.jsonl").trim().split("\n").length);
  },
});

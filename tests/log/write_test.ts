import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { basename, join } from "node:path";
import { chooseLogDir, LogDirError, LogWriteError, LogWriter } from "../../lib/log/write.ts";
import type { SampleRecord } from "../../lib/log/schema.ts";
import { canMountTmpfs, mountTmpfs } from "../helpers/small_tmpfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const summaryMeta = {
  start: "2026-01-01T00:00:00.000Z",
  end: "2026-01-01T00:00:01.000Z",
  exitCode: 0,
  attribution: "whole-machine" as const,
};
import { readLogDir } from "../../lib/log/read.ts";
import { runInfo, sampleAt } from "../helpers/log_records.ts";
import { summarizeSamples } from "../../lib/log/summarize.ts";

Deno.test("default log dir is impact-logs/<UTC stamp>-<command>; IMPACT_LOG_DIR moves it", () => {
  const nowMs = Date.parse("2026-03-04T05:06:07.890Z");
  const a = chooseLogDir({ cwd: "/work", commandName: "/usr/bin/python3", nowMs });
  equal(a.path, "/work/impact-logs/20260304T050607Z-python3");
  equal(a.explicit, false);
  const b = chooseLogDir({ cwd: "/work", envLogDir: "/logs", commandName: "a b", nowMs });
  equal(b.path, "/logs/20260304T050607Z-a_b");
  const c = chooseLogDir({
    cwd: "/work",
    logDir: "out",
    envLogDir: "/logs",
    commandName: "x",
    nowMs,
  });
  equal(c.path, "/work/out");
  equal(c.explicit, true);
});

Deno.test("writer never overwrites: explicit non-empty dir refused, default path suffixed", async () => {
  const root = await Deno.makeTempDir();
  try {
    const choice = { path: join(root, "run"), explicit: false };
    const first = await LogWriter.create(choice);
    await first.writeInfo(runInfo());
    first.close();
    const second = await LogWriter.create(choice);
    second.close();
    equal(basename(second.dir), "run-2");
    await rejects(
      LogWriter.create({ path: first.dir, explicit: true }),
      (e: Error) => e instanceof LogDirError && /already holds files/.test(e.message),
    );
    // An explicit empty directory is fine.
    const empty = join(root, "empty");
    await Deno.mkdir(empty);
    (await LogWriter.create({ path: empty, explicit: true })).close();
    equal(JSON.parse(await Deno.readTextFile(join(first.dir, "impact.json"))).command[0], "sleep");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("written directory reads back with the same samples and summary", async () => {
  const root = await Deno.makeTempDir();
  try {
    const w = await LogWriter.create({ path: join(root, "r"), explicit: true });
    const info = runInfo();
    await w.writeInfo(info);
    const samples = [
      sampleAt("2026-01-01T00:00:01Z", 1, 10, 20),
      sampleAt("2026-01-01T00:00:02Z", 1, 30, 40),
    ];
    for (const s of samples) await w.appendSample(s);
    const summary = summarizeSamples(samples, {
      start: info.start,
      end: "2026-01-01T00:00:02Z",
      exitCode: 0,
      attribution: "cpu-time-share",
    });
    await w.writeSummary(summary);
    await w.writeInfo({ ...info, end: "2026-01-01T00:00:02Z", exitCode: 0 });
    w.close();
    const read = await readLogDir(w.dir);
    equal(read.samples.length, 2);
    equal(read.summary.totals.machineEnergyJoules, 100);
    equal(read.info.exitCode, 0);
    equal(read.warnings.length, 0);
    const names = [...Deno.readDirSync(w.dir)].map((e) => e.name).sort();
    equal(names.join(","), "impact.json,samples.jsonl,summary.json");
    ok(!names.some((n) => n.includes("tmp")));
    match(await Deno.readTextFile(join(w.dir, "samples.jsonl")), /\n$/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** Runs `strace`, or says why it cannot here (not installed, ptrace not allowed). */
async function straced(args: string[]): Promise<string | undefined> {
  const out = await new Deno.Command("strace", { args, stdout: "null", stderr: "piped" })
    .output().catch(() => undefined);
  if (!out?.success) return undefined;
  return new TextDecoder().decode(out.stderr);
}

const writerScript = `
import { LogWriter } from ${
  JSON.stringify(new URL("../../lib/log/write.ts", import.meta.url).href)
};
const writer = await LogWriter.create({ path: Deno.args[0], explicit: true });
await writer.writeSummary({ schemaVersion: 1 });
writer.close();
`;

Deno.test("summary.json is fsynced before its rename, and its directory after", async () => {
  const root = await Deno.makeTempDir();
  try {
    const script = join(root, "write.ts");
    await Deno.writeTextFile(script, writerScript);
    const dir = join(root, "log");
    const trace = await straced([
      "-f",
      "-e",
      "trace=openat,fsync,fdatasync,rename,renameat,renameat2",
      "-o",
      "/dev/stderr",
      Deno.execPath(),
      "run",
      "-A",
      "--no-lock",
      script,
      dir,
    ]);
    if (trace === undefined) {
      console.warn("write_test: strace cannot trace here, so the fsync order is not checked");
      return;
    }
    // The calls on the summary, in the order the kernel saw them.
    const events = trace.split("\n").flatMap((line) => {
      if (line.includes(`"${dir}/summary.json.tmp`) && line.includes("openat")) return ["open tmp"];
      if (/rename\w*\(.*summary\.json\.tmp.*summary\.json"/.test(line)) return ["rename"];
      if (line.includes(`openat(AT_FDCWD, "${dir}", O_RDONLY`)) return ["open dir"];
      if (/\bf(data)?sync\(\d+/.test(line)) return ["fsync"];
      return [];
    });
    const from = events.indexOf("open tmp");
    ok(from >= 0, trace);
    deepEqual(events.slice(from).filter((e, i, all) => e !== all[i - 1]), [
      "open tmp",
      "fsync",
      "rename",
      "open dir",
      "fsync",
    ]);
    match(await Deno.readTextFile(join(dir, "summary.json")), /"schemaVersion": 1/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a JSON file that cannot be put in place leaves no temporary file and names itself", async () => {
  await using dir = await tempDir();
  const writer = await LogWriter.create({ path: join(dir.path, "run"), explicit: true });
  // A folder with a file in it where summary.json goes: the rename into place fails.
  await Deno.mkdir(join(writer.dir, "summary.json", "x"), { recursive: true });
  await rejects(
    writer.writeSummary(summarizeSamples([], summaryMeta)),
    (e: Error) => e instanceof LogWriteError && e.path === join(writer.dir, "summary.json"),
  );
  writer.close();
  deepEqual([...Deno.readDirSync(writer.dir)].map((e) => e.name).sort(), [
    "samples.jsonl",
    "summary.json",
  ]);
});

Deno.test({
  name:
    "on a full tmpfs: samples.jsonl ends at its last whole line, summary.json leaves no temp file",
  ignore: !canMountTmpfs,
  async fn() {
    await using disk = (await mountTmpfs(64 * 1024))!;
    const writer = await LogWriter.create({ path: join(disk.path, "run"), explicit: true });
    await writer.writeInfo(runInfo());
    await writer.appendSample(sampleAt("2026-01-01T00:00:01.000Z", 1, 10, 0));
    const whole = await Deno.readTextFile(join(writer.dir, "samples.jsonl"));
    // Fill the disk but for a few bytes, so the next line is cut mid-way.
    const filler = await Deno.open(join(disk.path, "filler"), { write: true, create: true });
    try {
      while (true) filler.writeSync(new Uint8Array(4096));
    } catch { /* full */ }
    try {
      while (true) filler.writeSync(new Uint8Array(1));
    } catch { /* full to the byte */ }
    filler.close();
    const line = {
      ...sampleAt("2026-01-01T00:00:02.000Z", 1, 10, 0),
      labels: "x".repeat(9000),
    } as unknown as SampleRecord;
    await rejects(
      writer.appendSample(line),
      (e: Error) =>
        e instanceof LogWriteError && /No space left on device/.test(e.message) &&
        e.path.endsWith("samples.jsonl"),
    );
    equal(await Deno.readTextFile(join(writer.dir, "samples.jsonl")), whole);
    await rejects(writer.writeSummary(summarizeSamples([], summaryMeta)), LogWriteError);
    writer.close();
    deepEqual([...Deno.readDirSync(writer.dir)].map((e) => e.name).sort(), [
      "impact.json",
      "samples.jsonl",
    ]);
  },
});

import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { basename, join } from "node:path";
import { chooseLogDir, LogDirError, LogWriter } from "../../lib/log/write.ts";
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

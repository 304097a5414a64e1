import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { LogFormatError, readLogDir, readSamples } from "../../lib/log/read.ts";
import { summarizeSamples } from "../../lib/log/summarize.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import { withDeniedReads } from "../helpers/denied_reads.ts";
import { findLogDirs } from "../../lib/log/find.ts";
import { runInfo, sampleAt } from "../helpers/log_records.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const line = (i: number) => JSON.stringify(sampleAt(`2026-01-01T00:00:0${i}Z`, 1, 100, 50));

Deno.test("a truncated last line is skipped and said so; the summary is recomputed", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "impact.json"), JSON.stringify(runInfo()));
    const full = [line(1), line(2), line(3)].join("\n") + "\n";
    await Deno.writeTextFile(join(dir, "samples.jsonl"), full + line(4).slice(0, 40));
    const log = await readLogDir(dir);
    equal(log.samples.length, 3);
    equal(log.summary.recomputed, true);
    equal(log.summary.totals.machineEnergyJoules, 450);
    equal(log.summary.end, "2026-01-01T00:00:03Z");
    equal(log.summary.durationSeconds, 3);
    ok(
      log.warnings.some((w) =>
        /samples\.jsonl:4: truncated last line \(the tracker was killed mid-write\); line skipped/
          .test(w)
      ),
    );
    ok(log.warnings.some((w) => /summary\.json: missing.*recomputed from 3 samples/.test(w)));
  });
});

Deno.test("a corrupt middle line is skipped with file:line and the field named", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "impact.json"), JSON.stringify(runInfo()));
    const bad = sampleAt("2026-01-01T00:00:02Z", 1, 100, 50) as unknown as {
      devices: Record<string, unknown>[];
    };
    bad.devices[1]!.machineEnergyJoules = "lots";
    const text = [line(1), JSON.stringify(bad), "{nope", line(3)].join("\n") + "\n";
    await Deno.writeTextFile(join(dir, "samples.jsonl"), text);
    const log = await readLogDir(dir);
    equal(log.samples.length, 2);
    deepEqual(log.warnings.slice(0, 2), [
      `${
        join(dir, "samples.jsonl")
      }:2: field "devices[1].machineEnergyJoules" is a string ("lots"), not a number; line skipped`,
      `${join(dir, "samples.jsonl")}:3: the record is not valid JSON; line skipped`,
    ]);
  });
});

Deno.test("a newer schema major is refused with a clear error", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "impact.json"),
      JSON.stringify({ ...runInfo(), schemaVersion: 2 }),
    );
    await rejects(readLogDir(dir), (e: Error) => {
      ok(e instanceof LogFormatError);
      match(
        e.message,
        /impact\.json: schema version 2 is newer than this impact reads \(1\); upgrade impact/,
      );
      return true;
    });
  });
});

Deno.test("a folder without impact.json is not a log directory", async () => {
  await withDir(async (dir) => {
    await rejects(readLogDir(dir), /impact\.json: cannot be read/);
  });
});

Deno.test("findLogDirs finds log directories recursively and not inside one", async () => {
  await withDir(async (dir) => {
    for (const sub of ["a", "b/c", "b/c/inner", "d"]) {
      await Deno.mkdir(join(dir, sub), { recursive: true });
    }
    for (const sub of ["a", "b/c", "b/c/inner"]) {
      await Deno.writeTextFile(join(dir, sub, "impact.json"), "{}");
    }
    deepEqual(await findLogDirs([dir]), [join(dir, "a"), join(dir, "b/c")]);
    deepEqual(await findLogDirs([join(dir, "a")]), [join(dir, "a")]);
  });
});

Deno.test("a summary.json without totals is rebuilt from the samples, said with file:line and field", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "impact.json"), JSON.stringify(runInfo()));
    await Deno.writeTextFile(join(dir, "samples.jsonl"), [line(1), line(2)].join("\n") + "\n");
    const written = summarizeSamples([], {
      start: "2026-01-01T00:00:00Z",
      end: "2026-01-01T00:00:02Z",
      exitCode: 0,
      attribution: "cpu-time-share",
    });
    const { totals: _, ...withoutTotals } = written;
    await Deno.writeTextFile(join(dir, "summary.json"), JSON.stringify(withoutTotals, null, 2));
    const log = await readLogDir(dir);
    equal(log.summary.recomputed, true);
    equal(log.summary.totals.machineEnergyJoules, 300);
    deepEqual(log.warnings, [
      `${
        join(dir, "summary.json")
      }:1: field "totals" is missing; summary recomputed from 2 samples`,
    ]);
  });
});

Deno.test("an unusable summary.json with no samples to rebuild it from leaves the run out", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "impact.json"), JSON.stringify(runInfo()));
    await Deno.writeTextFile(join(dir, "summary.json"), '{"schemaVersion": 1}');
    await rejects(readLogDir(dir), (e: Error) => {
      ok(e instanceof LogFormatError);
      match(
        e.message,
        /summary\.json:1: field "start" is missing; no samples to recompute it from/,
      );
      return true;
    });
  });
});

Deno.test("unreadable files: impact.json leaves the run out, summary.json is rebuilt, samples.jsonl is none", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "impact.json"), JSON.stringify(runInfo()));
    await Deno.writeTextFile(join(dir, "samples.jsonl"), [line(1), line(2)].join("\n") + "\n");
    await Deno.writeTextFile(join(dir, "summary.json"), "{}");
    const denied = (name: string) => withDeniedReads(denoRuntime, (p) => p.endsWith(name));
    await rejects(readLogDir(dir, denied("impact.json")), (e: Error) => {
      ok(e instanceof LogFormatError);
      equal(
        e.message,
        `Cannot read ${
          join(dir, "impact.json")
        }: permission denied; ask its owner to make it readable (chmod a+r), or run as a user who can read it`,
      );
      return true;
    });
    const noSummary = await readLogDir(dir, denied("summary.json"));
    equal(noSummary.summary.recomputed, true);
    equal(noSummary.samples.length, 2);
    match(
      noSummary.warnings[0]!,
      /summary\.json: permission denied.*; summary recomputed from 2 samples/,
    );
    const noSamples = await readSamples(dir, denied("samples.jsonl"));
    deepEqual(noSamples, []);
  });
});

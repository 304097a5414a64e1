/**
 * `impact statement` over 10,000 synthetic runs (target under 2 s): the statement reads each
 * run's impact.json and summary.json, never its samples. Baseline, in the same run: finding
 * nothing and only reading and `JSON.parse`-ing the 10,000 summary.json files.
 *
 * @module
 */
import { join } from "node:path";
import type { BenchResult } from "../bench.ts";
import { runCli } from "../../lib/cli/app.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import type { CliContext } from "../../lib/cli/context.ts";
import { LOG_FILES } from "../../lib/log/schema.ts";
import { makeRun } from "../../tests/helpers/log_fixtures.ts";

const RUNS = 10_000;
const ZONES = ["FR", "DE", "US-CAL-CISO", "GB", "IN-WE"];

async function writeRuns(root: string): Promise<string[]> {
  const dirs: string[] = [];
  const batch: Promise<void>[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = join(root, `group-${i % 100}`, `run-${i}`);
    dirs.push(dir);
    const records = makeRun({
      cpuWatts: 20 + (i % 90),
      gpuWatts: i % 3 === 0 ? [250 + (i % 50)] : [],
      samples: 3,
      intervalSeconds: 10 + (i % 7),
      zone: ZONES[i % ZONES.length]!,
    });
    batch.push((async () => {
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(join(dir, LOG_FILES.info), JSON.stringify(records.info));
      await Deno.writeTextFile(
        join(dir, LOG_FILES.samples),
        records.samples.map((s) => JSON.stringify(s) + "\n").join(""),
      );
      await Deno.writeTextFile(join(dir, LOG_FILES.summary), JSON.stringify(records.summary));
    })());
    if (batch.length >= 256) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  return dirs;
}

/** Runs the benchmark. */
export async function bench(): Promise<BenchResult[]> {
  const root = await Deno.makeTempDir({ prefix: "impact-bench-statement-" });
  try {
    const dirs = await writeRuns(root);
    let parsed = 0;
    const baselineStart = performance.now();
    for (let i = 0; i < dirs.length; i += 64) {
      await Promise.all(
        dirs.slice(i, i + 64).map(async (dir) => {
          JSON.parse(await Deno.readTextFile(join(dir, LOG_FILES.summary)));
          parsed++;
        }),
      );
    }
    const baselineSeconds = (performance.now() - baselineStart) / 1000;
    let out = "";
    const ctx: CliContext = {
      runtime: denoRuntime,
      cwd: root,
      stderrIsTerminal: false,
      stdout: (text) => void (out += text),
      stderr: () => {},
    };
    const start = performance.now();
    const code = await runCli(["statement", root, "--country", "USA", "--format", "json"], ctx);
    const seconds = (performance.now() - start) / 1000;
    const runs = code === 0 ? JSON.parse(out).runs : -1;
    if (runs !== RUNS || parsed !== RUNS) {
      throw new Error(`The statement saw ${runs} runs of ${RUNS} (exit ${code})`);
    }
    return [{
      name: `impact statement over ${RUNS} runs`,
      value: seconds,
      unit: "s",
      baseline: { name: `read + JSON.parse ${RUNS} summary.json`, value: baselineSeconds },
      target: "< 2 s",
      met: seconds < 2,
    }];
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

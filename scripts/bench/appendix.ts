/**
 * `impact appendix` speed: 500 runs of one hour at 1 Hz (CPU, DRAM, two GPUs) rendered to a
 * site (pages, plots, zips of each run's samples.jsonl) in under 10 s. Baseline, same run:
 * writing the same files' bytes as plain files, the floor any site generator pays. A second
 * figure renders pages and plots without the zips, to show where the time goes.
 *
 * @module
 */
import { folderWriter } from "../../lib/cli/folder_writer.ts";
import type { BenchResult } from "../bench.ts";
import { buildAppendix } from "../../lib/report/appendix/build.ts";
import { parseSiteSpec } from "../../lib/report/site_spec.ts";
import { makeLogsFigures, makeRun, makeSamples } from "../../tests/fixtures/appendix_figures.ts";

const RUNS = 500;
const SECONDS = 3600;

/** Runs the benchmark. */
export async function bench(): Promise<BenchResult[]> {
  const runs = Array.from({ length: RUNS }, (_, i) =>
    makeRun({
      dir: `/bench/logs/${["ppo", "a2c", "dqn"][i % 3]}/seed-${i}`,
      energyKwh: 0.3 + (i % 17) / 40,
      hours: 1,
      kgCO2e: 0.1 + (i % 13) / 50,
      gpus: 2,
      labels: { seed: String(i) },
    }));
  const spec = parseSiteSpec(JSON.stringify({
    PPO: {
      filter: "/ppo/",
      executive_summary_plots: [{ x: "exp_len_hours", y: "total_power" }],
    },
    A2C: { filter: "/a2c/" },
    DQN: { filter: "/dqn/" },
  }));
  // One hour of samples shared by every run: rendering cost is per run, memory stays flat.
  const samples = makeSamples(runs[0]!.info.start, SECONDS, 2, 1800);
  const jsonl = new TextEncoder().encode(samples.map((s) => JSON.stringify(s)).join("\n") + "\n");
  const info = new TextEncoder().encode(JSON.stringify(runs[0]!.info, null, 2));
  const site = await Deno.makeTempDir({ prefix: "impact-bench-appendix-" });
  const plain = await Deno.makeTempDir({ prefix: "impact-bench-plain-" });
  const written = new Map<string, string | Uint8Array>();
  try {
    const siteWrite = folderWriter(site);
    const pagesOnly = await Deno.makeTempDir({ prefix: "impact-bench-pages-" });
    const pagesWrite = folderWriter(pagesOnly);
    const tp = performance.now();
    await buildAppendix({
      title: "Bench",
      spec,
      figures: makeLogsFigures(runs),
      version: "bench",
      source: { samples: () => Promise.resolve(samples) },
      write: pagesWrite,
    });
    const pagesSeconds = (performance.now() - tp) / 1000;
    await Deno.remove(pagesOnly, { recursive: true });
    const t0 = performance.now();
    await buildAppendix({
      title: "Bench",
      spec,
      figures: makeLogsFigures(runs),
      version: "bench",
      source: {
        samples: () => Promise.resolve(samples),
        files: () => Promise.resolve({ "impact.json": info, "samples.jsonl": jsonl }),
      },
      write: (path, data) => {
        written.set(path, data);
        return siteWrite(path, data);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const plainWrite = folderWriter(plain);
    const t1 = performance.now();
    for (const [path, data] of written) await plainWrite(path, data);
    const baseline = (performance.now() - t1) / 1000;
    return [{
      name: `appendix: ${RUNS} runs x 1 h at 1 Hz (${written.size} files)`,
      value: seconds,
      unit: "s",
      baseline: { name: "writing the same bytes as plain files", value: baseline },
      target: "< 10 s",
      met: seconds < 10,
    }, {
      name: `appendix without zips: ${RUNS} runs x 1 h at 1 Hz, pages and plots only`,
      value: pagesSeconds,
      unit: "s",
      baseline: { name: "writing the same bytes as plain files", value: baseline },
      target: "< 10 s",
      met: pagesSeconds < 10,
    }];
  } finally {
    await Deno.remove(site, { recursive: true });
    await Deno.remove(plain, { recursive: true });
  }
}

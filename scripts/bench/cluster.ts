/**
 * Cluster bench: merging 1,000 nodes' logs (one hour each at 1 Hz, 3.6 M sample lines) into
 * one job timeline and per-node totals, against reading and parsing the same files without
 * merging. Target: under 10 s.
 *
 * The logs are generated compactly (one device per line) into a temp folder, removed after.
 *
 * @module
 */
import { join } from "node:path";
import type { BenchResult } from "../bench.ts";
import { addSampleLine, createJobTimeline } from "../../lib/accounting/job_timeline.ts";

const NODES = Number(Deno.env.get("IMPACT_BENCH_NODES") ?? 1000);
const SECONDS = 3600;
const START_MS = Date.UTC(2025, 0, 1);

async function generate(root: string): Promise<string[]> {
  const files: string[] = [];
  // Every node's hour has the same timestamps; precompute them once.
  const stamps = Array.from(
    { length: SECONDS },
    (_, i) => new Date(START_MS + (i + 1) * 1000).toISOString(),
  );
  for (let node = 0; node < NODES; node++) {
    const dir = join(root, `n${node}`);
    await Deno.mkdir(dir, { recursive: true });
    const watts = 200 + (node % 50);
    const lines: string[] = new Array(SECONDS);
    for (let i = 0; i < SECONDS; i++) {
      lines[i] = `{"t":"${
        stamps[i]
      }","intervalSeconds":1,"devices":[{"component":"gpu","device":"gpu-0","method":"counter","machineEnergyJoules":${watts},"attributedEnergyJoules":${watts},"powerWatts":${watts}}],"cpu":{"jobShare":1,"jobCpuSeconds":1,"utilization":1},"memory":{"jobBytes":1,"kind":"rss"}}`;
    }
    const file = join(dir, "samples.jsonl");
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    files.push(file);
  }
  return files;
}

function forEachLine(text: string, f: (line: string) => void): void {
  let from = 0;
  for (;;) {
    const to = text.indexOf("\n", from);
    if (to < 0) break;
    if (to > from) f(text.slice(from, to));
    from = to + 1;
  }
}

/** Runs the cluster benchmark. */
export async function bench(): Promise<BenchResult[]> {
  const root = await Deno.makeTempDir({ prefix: "impact-bench-cluster-" });
  try {
    const files = await generate(root);
    // Baseline: read every file and split it into lines, keep nothing.
    let t0 = performance.now();
    let parsed = 0;
    for (const file of files) {
      forEachLine(await Deno.readTextFile(file), () => void parsed++);
    }
    const baselineSeconds = (performance.now() - t0) / 1000;
    // Merge: the same reads, summed into the job's timeline and per-node totals.
    t0 = performance.now();
    const timeline = createJobTimeline();
    const nodeJoules = new Float64Array(files.length);
    for (const [i, file] of files.entries()) {
      forEachLine(await Deno.readTextFile(file), (line) => {
        nodeJoules[i]! += addSampleLine(timeline, line);
      });
    }
    const merged = timeline.finish();
    const mergeSeconds = (performance.now() - t0) / 1000;
    if (merged.samples !== parsed || merged.samples !== NODES * SECONDS) {
      throw new Error(`merged ${merged.samples} samples, expected ${NODES * SECONDS}`);
    }
    const expected = Array.from({ length: NODES }, (_, n) => (200 + (n % 50)) * SECONDS)
      .reduce((a, b) => a + b, 0);
    const total = merged.joules.gpu.reduce((a, b) => a + b, 0);
    if (Math.abs(total - expected) > 1e-6 * expected) {
      throw new Error(`merged ${total} J, expected ${expected} J`);
    }
    return [{
      name: `merge ${NODES} nodes x ${SECONDS} samples`,
      value: mergeSeconds,
      unit: "s",
      baseline: { name: "read the same files and split lines", value: baselineSeconds },
      target: "< 10 s",
      met: mergeSeconds < 10,
    }];
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

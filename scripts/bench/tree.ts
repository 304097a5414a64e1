/**
 * Benchmark of the tracker's own CPU on a job with many processes: `impact run` at 1 Hz over a
 * tree of about 100 and about 1,000 live processes (a POSIX sh root, its sleeping children,
 * and about 40 short-lived ones a second), beside a bare run of the same workload.
 *
 * The figure is the tracker's share of one core in steady state: the user + system time of the
 * `impact` process (all its threads, /proc/PID/stat) over 10 s, once the tree is up. The bare
 * run gives the workload's own share, for scale, and the tracked run's extra CPU over it. Linux
 * only; measured on `deno task build`'s `dist/impact`, as users start it. Takes about a
 * minute and a half.
 *
 * @module
 */
import { join } from "node:path";
import type { BenchResult } from "../bench.ts";
import { createFakeRapl } from "../../tests/helpers/fake_sysfs.ts";
import { cpuSeconds, warmBuild } from "./run.ts";

const WARM_UP_MS = 4000;
const WINDOW_MS = 10_000;

/**
 * `$1` sleeping children, and rounds of two short subshells every 50 ms, for `$2` seconds;
 * then the sleepers are ended and every child waited for.
 */
const WORKLOAD = `
sleepers=""
i=0; while [ $i -lt $1 ]; do sleep 1000 & sleepers="$sleepers $!"; i=$((i+1)); done
i=0; while [ $i -lt $(( $2 * 20 )) ]; do
  ( k=0; while [ $k -lt 200 ]; do k=$((k+1)); done ) &
  ( k=0; while [ $k -lt 200 ]; do k=$((k+1)); done ) &
  wait $!
  sleep 0.05
  i=$((i+1))
done
kill $sleepers
wait
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = Math.ceil((WARM_UP_MS + WINDOW_MS) / 1000) + 2;

/** The workload's share of a core when run bare, over the same window. */
async function bareShare(processes: number): Promise<number> {
  const before = await cpuSeconds("self");
  const started = performance.now();
  await new Deno.Command("sh", { args: ["-c", WORKLOAD, "tree", String(processes), `${seconds}`] })
    .output();
  const wall = (performance.now() - started) / 1000;
  return ((await cpuSeconds("self")).reaped - before.reaped) / wall;
}

/** The tracker's share of a core, and the tracked run's whole share (tracker and workload). */
async function trackedShares(
  impact: string,
  env: Record<string, string>,
  logDir: string,
  processes: number,
): Promise<{ tracker: number; total: number }> {
  const before = await cpuSeconds("self");
  const started = performance.now();
  const run = new Deno.Command(impact, {
    args: ["run", "--quiet", "--no-env", "--log-dir", logDir, "--"].concat(
      ["sh", "-c", WORKLOAD, "tree", String(processes), `${seconds}`],
    ),
    env,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  await sleep(WARM_UP_MS);
  const a = await cpuSeconds(run.pid);
  await sleep(WINDOW_MS);
  const b = await cpuSeconds(run.pid);
  const out = await run.output();
  if (out.code !== 0) {
    throw new Error(`impact run exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
  }
  const wall = (performance.now() - started) / 1000;
  return {
    tracker: (b.own - a.own) / (WINDOW_MS / 1000),
    total: ((await cpuSeconds("self")).reaped - before.reaped) / wall,
  };
}

/** Runs the benchmark. */
export async function bench(): Promise<BenchResult[]> {
  if (Deno.build.os !== "linux") {
    console.log("tree bench: Linux only (reads /proc); skipped");
    return [];
  }
  const dir = await Deno.makeTempDir({ prefix: "impact-tree-bench-" });
  try {
    const rapl = await createFakeRapl(join(dir, "sys"), { sockets: 1, dram: true });
    const env = {
      ...Deno.env.toObject(),
      IMPACT_SYSFS_ROOT: rapl.root,
      IMPACT_NVIDIA_SMI: join(dir, "no-nvidia-smi"),
      IMPACT_NVML_LIB: join(dir, "no-nvml.so"),
      XDG_CACHE_HOME: join(dir, "cache"),
    };
    const built = await warmBuild(env, dir);

    const results: BenchResult[] = [];
    for (const processes of [100, 1000]) {
      const bare = await bareShare(processes);
      const tracked = await trackedShares(
        built.path,
        env,
        join(dir, `log-${processes}`),
        processes,
      );
      console.log(
        `tree bench: ${processes} live processes: tracker ${pct(tracked.tracker)}, tracked run ` +
          `${pct(tracked.total)} in all, bare workload ${pct(bare)} (extra ${
            pct(tracked.total - bare)
          })`,
      );
      results.push({
        name: `CPU of impact run's tracker, ${processes} live processes at 1 Hz`,
        value: tracked.tracker * 100,
        unit: "% of a core",
        baseline: { name: "the bare workload's own", value: bare * 100 },
        target: "< 2%",
        met: tracked.tracker < 0.02,
      });
    }
    return results;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function pct(share: number): string {
  return `${(share * 100).toFixed(2)}% of a core`;
}

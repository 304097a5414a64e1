import { deepEqual, equal, match, ok } from "node:assert/strict";
import { mergeJobRuns } from "../../lib/accounting/merge_nodes.ts";
import type { RunFigures } from "../../lib/accounting/types.ts";
import type { Attribution } from "../../lib/types.ts";
import type { DeviceGap, SlurmInfo } from "../../lib/log/schema.ts";

function run(
  dir: string,
  slurm: SlurmInfo | undefined,
  kwh: number,
  opts: {
    cpuHours?: number;
    gpuHours?: number;
    start?: string;
    end?: string;
    attribution?: Attribution;
    gaps?: DeviceGap[];
  } = {},
): RunFigures {
  const start = opts.start ?? "2025-01-01T00:00:00.000Z";
  const end = opts.end ?? "2025-01-01T01:00:00.000Z";
  const attribution = opts.attribution ?? "cpu-time-share";
  return {
    runs: 1,
    energyKwh: kwh,
    itEnergyKwh: kwh / 1.5,
    componentKwh: { cpu: kwh / 4, dram: 0, gpu: (3 * kwh) / 4, psys: 0 },
    measuredEnergyKwh: kwh,
    estimatedEnergyKwh: 0,
    kgCO2e: kwh * 0.4,
    hours: (Date.parse(end) - Date.parse(start)) / 3.6e6,
    cpuHours: opts.cpuHours ?? 1,
    gpuHours: opts.gpuHours ?? 0,
    runsWithoutCpuCounter: 0,
    runsWithGaps: opts.gaps?.length ? 1 : 0,
    unmeasuredDeviceHours: (opts.gaps ?? []).reduce((s, g) => s + g.seconds, 0) / 3600,
    gaps: opts.gaps ?? [],
    dir,
    pue: 1.5,
    intensityGramsPerKwh: 400,
    intensitySource: "t",
    notes: [],
    info: {
      schemaVersion: 1,
      tool: { name: "impact", version: "0" },
      command: ["x"],
      cwd: "/",
      start,
      host: { hostname: slurm?.node ?? "h", os: "Linux", arch: "x86_64" },
      cpu: {},
      gpus: [],
      sensors: [],
      attribution,
      options: { intervalSeconds: 1 },
      labels: {},
      ...(slurm ? { slurm } : {}),
    },
    summary: {
      schemaVersion: 1,
      start,
      end,
      durationSeconds: (Date.parse(end) - Date.parse(start)) / 1000,
      exitCode: 0,
      attribution,
      components: [],
      totals: {
        machineEnergyJoules: 0,
        attributedEnergyJoules: 0,
        measuredEnergyJoules: 0,
        estimatedEnergyJoules: 0,
      },
      power: { meanWatts: 0, peakWatts: 0 },
      cpuSeconds: 0,
      gpuSeconds: 0,
      samples: 3600,
    },
  };
}

const job = (node: string, rank: number, sampler: boolean): SlurmInfo => ({
  jobId: "900",
  node,
  taskRank: rank,
  nodeSampler: sampler,
  user: "ada",
  partition: "gpu",
});

Deno.test("a two-node job merges into one run with per-node detail; other runs pass through", () => {
  const runs = [
    run("solo", undefined, 0.25),
    run("900/a/node", job("a", 0, true), 2, { gpuHours: 4 }),
    run("900/a/task-1", job("a", 1, false), 0, { gpuHours: 2 }),
    run("900/b/node", job("b", 2, true), 3, { end: "2025-01-01T01:30:00.000Z", gpuHours: 1 }),
    run("900/b/task-3", job("b", 3, false), 0, { gpuHours: 3 }),
  ];
  const { runs: merged, warnings } = mergeJobRuns(runs);
  deepEqual(warnings, []);
  equal(merged.length, 2);
  equal(merged[0]!.dir, "solo");
  const jobRun = merged[1]!;
  ok("nodes" in jobRun);
  equal(jobRun.runs, 1);
  equal(jobRun.energyKwh, 5);
  equal(jobRun.kgCO2e, 2);
  equal(jobRun.componentKwh.gpu, 3.75);
  // The job's span, not the sum of its tasks' hours.
  equal(jobRun.hours, 1.5);
  // Without a job cgroup, CPU hours are every task's own.
  equal(jobRun.cpuHours, 4);
  // GPU hours: the larger of the node's view and its tasks' sum, per node.
  equal(jobRun.gpuHours, 4 + 3);
  equal(jobRun.info.slurm?.jobId, "900");
  equal(jobRun.info.slurm?.node, undefined);
  deepEqual(jobRun.nodes.map((n) => [n.node, n.energyKwh, n.taskRanks]), [
    ["a", 2, [0, 1]],
    ["b", 3, [2, 3]],
  ]);
  equal(jobRun.nodes[1]!.samplerDir, "900/b/node");
});

Deno.test("with a job cgroup the node sampler's CPU hours already hold every task's", () => {
  const runs = [
    run("900/a/node", job("a", 0, true), 1, { cpuHours: 10, attribution: "cgroup" }),
    run("900/a/task-1", job("a", 1, false), 0, { cpuHours: 6 }),
  ];
  equal(mergeJobRuns(runs).runs[0]!.cpuHours, 10);
});

Deno.test("a node without a sampler, or with two, is reported", () => {
  const { warnings } = mergeJobRuns([
    run("900/a/task-0", job("a", 0, false), 0),
    run("900/b/node", job("b", 1, true), 1),
    run("900/b/node-again", job("b", 2, true), 1),
  ]);
  equal(warnings.length, 2);
  match(warnings[0]!, /node a has no node-sampler log/);
  match(warnings[1]!, /node b was sampled by 2 tasks/);
});

Deno.test("a job's gaps are its nodes' gaps, named by node; the job counts as one run with gaps", () => {
  const lost = (device: string, from: string): DeviceGap => ({
    component: "gpu",
    device,
    from,
    to: "2025-01-01T00:50:00.000Z",
    seconds: 900,
    reason: "GPU is lost (NVML error 15)",
  });
  const [merged] = mergeJobRuns([
    run("900/a/node", job("a", 0, true), 1, { gaps: [lost("gpu-1", "2025-01-01T00:35:00.000Z")] }),
    run("900/b/node", job("b", 1, true), 1, { gaps: [lost("gpu-0", "2025-01-01T00:20:00.000Z")] }),
  ]).runs;
  deepEqual(merged!.gaps.map((g) => g.device), ["b/gpu-0", "a/gpu-1"]);
  deepEqual(merged!.summary.gaps, merged!.gaps);
  equal(merged!.runsWithGaps, 1);
  equal(merged!.unmeasuredDeviceHours, 0.5);
});

/**
 * Merges a multi-node SLURM job's log directories (one node sampler's log per node, one log
 * per other task) into one run with per-node detail.
 *
 * Energy and carbon are sums (only node samplers carry device energy, so nothing is counted
 * twice); wall-clock hours are the job's span, not the sum of its tasks'; CPU hours come from
 * the node sampler where it read the job's cgroup (which holds every task), else from every
 * task's own log; GPU hours take the larger of the node's and its tasks' sums. A job's power
 * over time is lib/accounting/job_timeline.ts.
 *
 * @module
 */
import type { SlurmInfo } from "../log/schema.ts";
import type { Figures, RunFigures } from "./types.ts";
import { meanIntensityGramsPerKwh, sumFigures } from "./figures.ts";

/** One node's share of a merged job. */
export interface NodeFigures {
  node: string;
  /** The node sampler's log directory, if the node had one. */
  samplerDir?: string;
  /** Every log directory of the node (sampler's and tasks'). */
  dirs: string[];
  /** Task ranks that ran there. */
  taskRanks: number[];
  energyKwh: number;
  itEnergyKwh: number;
  kgCO2e: number;
  cpuHours: number;
  gpuHours: number;
}

/** A merged job: a run's figures plus where they came from. */
export interface MergedJobFigures extends RunFigures {
  /** The SLURM job id. */
  jobId: string;
  /** Per-node figures, by node name. */
  nodes: NodeFigures[];
  /** Every log directory merged. */
  dirs: string[];
}

/** What {@link mergeJobRuns} returns. */
export interface MergedRuns {
  /** Non-SLURM runs unchanged, and one merged run per SLURM job, in first-seen order. */
  runs: (RunFigures | MergedJobFigures)[];
  /** Nodes without a sampler log, nodes sampled twice. */
  warnings: string[];
}

function nodeOf(run: RunFigures): string {
  return run.info.slurm?.node ?? run.info.host.hostname;
}

function isSampler(run: RunFigures): boolean {
  return run.info.slurm?.nodeSampler === true;
}

function mergeNode(node: string, runs: RunFigures[], warnings: string[], jobId: string) {
  const samplers = runs.filter(isSampler);
  if (samplers.length === 0) {
    warnings.push(
      `job ${jobId}: node ${node} has no node-sampler log; its devices' energy is missing`,
    );
  } else if (samplers.length > 1) {
    warnings.push(
      `job ${jobId}: node ${node} was sampled by ${samplers.length} tasks (${
        samplers.map((s) => s.dir).join(", ")
      }); its energy is counted more than once`,
    );
  }
  const sampler = samplers[0];
  const tasks = runs.filter((r) => !isSampler(r));
  const sum = (list: RunFigures[], f: (r: RunFigures) => number) =>
    list.reduce((s, r) => s + f(r), 0);
  const cpuHours = sampler?.info.attribution === "cgroup"
    ? sampler.cpuHours
    : sum(runs, (r) => r.cpuHours);
  const gpuHours = Math.max(sampler?.gpuHours ?? 0, sum(tasks, (r) => r.gpuHours));
  const figures: NodeFigures = {
    node,
    dirs: runs.map((r) => r.dir),
    taskRanks: runs.map((r) => r.info.slurm?.taskRank).filter((r): r is number => r !== undefined)
      .sort((a, b) => a - b),
    energyKwh: sum(runs, (r) => r.energyKwh),
    itEnergyKwh: sum(runs, (r) => r.itEnergyKwh),
    kgCO2e: sum(runs, (r) => r.kgCO2e),
    cpuHours,
    gpuHours,
  };
  if (sampler) figures.samplerDir = sampler.dir;
  return figures;
}

/**
 * Merges every SLURM job's runs into one run each; other runs pass through unchanged.
 *
 * @param runs Per-directory figures, as `readLogs` computes them.
 * @returns The merged list and warnings about nodes sampled never or twice.
 */
export function mergeJobRuns(runs: readonly RunFigures[]): MergedRuns {
  const warnings: string[] = [];
  const order: (RunFigures | string)[] = [];
  const jobs = new Map<string, RunFigures[]>();
  for (const run of runs) {
    const jobId = run.info.slurm?.jobId;
    if (jobId === undefined) {
      order.push(run);
      continue;
    }
    if (!jobs.has(jobId)) {
      jobs.set(jobId, []);
      order.push(jobId);
    }
    jobs.get(jobId)!.push(run);
  }
  const out: (RunFigures | MergedJobFigures)[] = [];
  for (const entry of order) {
    if (typeof entry !== "string") {
      out.push(entry);
      continue;
    }
    const group = jobs.get(entry)!;
    out.push(mergeJob(entry, group, warnings));
  }
  return { runs: out, warnings };
}

function mergeJob(jobId: string, group: RunFigures[], warnings: string[]): MergedJobFigures {
  const byNode = new Map<string, RunFigures[]>();
  for (const run of group) {
    const node = nodeOf(run);
    byNode.set(node, [...(byNode.get(node) ?? []), run]);
  }
  const nodes = [...byNode.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([node, runs]) =>
    mergeNode(node, runs, warnings, jobId)
  );
  // The representative run: the first node sampler (for host, region, PUE, command).
  const head = group.find(isSampler) ?? group[0]!;
  const startMs = Math.min(...group.map((r) => Date.parse(r.summary.start)));
  const endMs = Math.max(...group.map((r) => Date.parse(r.summary.end)));
  // Devices named as the components are (`<node>/<device>`), oldest first over the nodes.
  const gaps = group.flatMap((r) =>
    r.gaps.map((g) => ({ ...g, device: `${nodeOf(r)}/${g.device}` }))
  ).sort((a, b) => a.from < b.from ? -1 : a.from > b.from ? 1 : 0);
  const merged: MergedJobFigures = {
    ...head,
    // Energy, carbon and time not measured: every log's, summed exactly as readLogs sums runs.
    ...energyOf(sumFigures(group)),
    runs: 1,
    hours: (endMs - startMs) / 3.6e6,
    cpuHours: nodes.reduce((s, n) => s + n.cpuHours, 0),
    gpuHours: nodes.reduce((s, n) => s + n.gpuHours, 0),
    runsWithoutCpuCounter: group.some((r) => isSampler(r) && r.runsWithoutCpuCounter > 0) ? 1 : 0,
    runsWithGaps: gaps.length > 0 ? 1 : 0,
    gaps,
    summary: {
      ...head.summary,
      start: new Date(startMs).toISOString(),
      end: new Date(endMs).toISOString(),
      durationSeconds: (endMs - startMs) / 1000,
      samples: group.reduce((s, r) => s + r.summary.samples, 0),
      ...summedSummary(group),
      gaps,
    },
    notes: [...new Set(group.flatMap((r) => r.notes))],
    jobId,
    nodes,
    dirs: group.map((r) => r.dir),
  };
  merged.intensityGramsPerKwh = meanIntensityGramsPerKwh(group);
  // One node's utilisation is not the job's.
  delete merged.utilization;
  const exitCodes = group.map((r) => r.summary.exitCode);
  merged.summary.exitCode = exitCodes.find((c) => c !== 0 && c !== null) ??
    (exitCodes.includes(null) ? null : 0);
  // The merged run is the job's, not one node's or task's.
  const slurm: SlurmInfo = { jobId };
  for (const key of ["stepId", "user", "partition", "account"] as const) {
    const value = head.info.slurm?.[key];
    if (value !== undefined) slurm[key] = value;
  }
  merged.info = { ...head.info, slurm };
  merged.summary.slurm = slurm;
  return merged;
}

/** The figures a job sums over its logs (energy, carbon, time not measured). */
function energyOf(f: Figures) {
  return {
    energyKwh: f.energyKwh,
    itEnergyKwh: f.itEnergyKwh,
    componentKwh: f.componentKwh,
    measuredEnergyKwh: f.measuredEnergyKwh,
    estimatedEnergyKwh: f.estimatedEnergyKwh,
    kgCO2e: f.kgCO2e,
    unmeasuredDeviceHours: f.unmeasuredDeviceHours,
  };
}

/** The job's summary totals: every log's, summed; components named `<node>/<device>`. */
function summedSummary(group: readonly RunFigures[]): Pick<
  RunFigures["summary"],
  "totals" | "components" | "cpuSeconds" | "gpuSeconds" | "power"
> {
  const totals = {
    machineEnergyJoules: 0,
    attributedEnergyJoules: 0,
    measuredEnergyJoules: 0,
    estimatedEnergyJoules: 0,
  };
  const components: RunFigures["summary"]["components"] = [];
  let cpuSeconds = 0;
  let gpuSeconds = 0;
  let meanWatts = 0;
  let peakWatts = 0;
  for (const run of group) {
    const s = run.summary;
    totals.machineEnergyJoules += s.totals.machineEnergyJoules;
    totals.attributedEnergyJoules += s.totals.attributedEnergyJoules;
    totals.measuredEnergyJoules += s.totals.measuredEnergyJoules;
    totals.estimatedEnergyJoules += s.totals.estimatedEnergyJoules;
    cpuSeconds += s.cpuSeconds;
    gpuSeconds += s.gpuSeconds;
    // Nodes run side by side: their powers add (peaks need not coincide: an upper bound).
    meanWatts += s.power.meanWatts;
    peakWatts += s.power.peakWatts;
    const node = nodeOf(run);
    for (const c of s.components) components.push({ ...c, device: `${node}/${c.device}` });
  }
  return { totals, components, cpuSeconds, gpuSeconds, power: { meanWatts, peakWatts } };
}

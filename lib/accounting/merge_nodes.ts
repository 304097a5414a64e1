/**
 * Merges a multi-node SLURM job's log directories (one node sampler's log per node, one log
 * per other task) into one run with per-node detail.
 *
 * Energy and carbon are sums (only node samplers carry device energy, so nothing is counted
 * twice); wall-clock hours are the job's span, not the sum of its tasks'; CPU hours come from
 * the node sampler where it read the job's cgroup (which holds every task), else from every
 * task's own log; GPU hours take the larger of the node's and its tasks' sums.
 *
 * @module
 */
import type { Component } from "../types.ts";
import type { SampleRecord, SlurmInfo } from "../log/schema.ts";
import type { Figures, RunFigures } from "./types.ts";
import { COMPONENTS, meanIntensityGramsPerKwh, sumFigures } from "./figures.ts";

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
    const node = run.info.slurm?.node ?? run.info.host.hostname;
    byNode.set(node, [...(byNode.get(node) ?? []), run]);
  }
  const nodes = [...byNode.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([node, runs]) =>
    mergeNode(node, runs, warnings, jobId)
  );
  // The representative run: the first node sampler (for host, region, PUE, command).
  const head = group.find(isSampler) ?? group[0]!;
  const startMs = Math.min(...group.map((r) => Date.parse(r.summary.start)));
  const endMs = Math.max(...group.map((r) => Date.parse(r.summary.end)));
  const merged: MergedJobFigures = {
    ...head,
    // Energy and carbon: every log's, summed exactly as readLogs sums runs.
    ...energyOf(sumFigures(group)),
    runs: 1,
    hours: (endMs - startMs) / 3.6e6,
    cpuHours: nodes.reduce((s, n) => s + n.cpuHours, 0),
    gpuHours: nodes.reduce((s, n) => s + n.gpuHours, 0),
    runsWithoutCpuCounter: group.some((r) => isSampler(r) && r.runsWithoutCpuCounter > 0) ? 1 : 0,
    summary: {
      ...head.summary,
      start: new Date(startMs).toISOString(),
      end: new Date(endMs).toISOString(),
      durationSeconds: (endMs - startMs) / 1000,
      samples: group.reduce((s, r) => s + r.summary.samples, 0),
      ...summedSummary(group),
    },
    notes: [...new Set(group.flatMap((r) => r.notes))],
    jobId,
    nodes,
    dirs: group.map((r) => r.dir),
  };
  merged.intensityGramsPerKwh = meanIntensityGramsPerKwh(merged, head.intensityGramsPerKwh);
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

function energyOf(figures: Figures) {
  const { energyKwh, itEnergyKwh, componentKwh, measuredEnergyKwh, estimatedEnergyKwh, kgCO2e } =
    figures;
  return { energyKwh, itEnergyKwh, componentKwh, measuredEnergyKwh, estimatedEnergyKwh, kgCO2e };
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
    const node = run.info.slurm?.node ?? run.info.host.hostname;
    for (const c of s.components) components.push({ ...c, device: `${node}/${c.device}` });
  }
  return { totals, components, cpuSeconds, gpuSeconds, power: { meanWatts, peakWatts } };
}

/** A job's power over time: attributed joules per whole second, summed over nodes. */
export interface JobTimeline {
  /** Unix seconds of the first bucket. */
  startSeconds: number;
  /** Attributed joules in each one-second bucket, per component. */
  joules: Record<Component, Float64Array>;
  /** Samples merged. */
  samples: number;
}

/** Builds a {@link JobTimeline} one sample at a time, in any order, holding no samples. */
export interface JobTimelineBuilder {
  add(sample: SampleRecord): void;
  /** Adds joules of one component at a time (ms since the epoch); counts no sample. */
  addJoules(timeMs: number, component: Component, joules: number): void;
  /** Counts one sample added through `addJoules`. */
  countSample(): void;
  finish(): JobTimeline;
}

/**
 * Starts a job timeline: one-second buckets by each sample's end time, summed over nodes.
 *
 * @returns A builder; memory grows with the job's span, not with its sample count.
 */
export function createJobTimeline(): JobTimelineBuilder {
  let start = NaN;
  let length = 0;
  let capacity = 0;
  let samples = 0;
  let joules: Record<Component, Float64Array> = emptyBuckets(0);
  const resize = (newStart: number, newCapacity: number) => {
    const shift = start - newStart;
    const next = emptyBuckets(newCapacity);
    for (const c of COMPONENTS) next[c].set(joules[c].subarray(0, length), shift);
    joules = next;
    length += shift;
    start = newStart;
    capacity = newCapacity;
  };
  return {
    add(sample) {
      const ms = Date.parse(sample.t);
      for (const d of sample.devices) this.addJoules(ms, d.component, d.attributedEnergyJoules);
      if (sample.devices.length === 0) this.addJoules(ms, "cpu", 0);
      samples++;
    },
    addJoules(timeMs, component, value) {
      const t = Math.floor(timeMs / 1000);
      if (Number.isNaN(start)) {
        start = t;
        capacity = 4096;
        joules = emptyBuckets(capacity);
      }
      if (t < start) resize(t, capacity + (start - t) * 2);
      const at = t - start;
      if (at >= capacity) resize(start, Math.max(capacity * 2, at + 1));
      if (at + 1 > length) length = at + 1;
      joules[component][at]! += value;
    },
    countSample() {
      samples++;
    },
    finish() {
      const out = emptyBuckets(length);
      for (const c of COMPONENTS) out[c].set(joules[c].subarray(0, length));
      return { startSeconds: Number.isNaN(start) ? 0 : start, joules: out, samples };
    },
  };
}

function emptyBuckets(length: number): Record<Component, Float64Array> {
  return {
    cpu: new Float64Array(length),
    dram: new Float64Array(length),
    gpu: new Float64Array(length),
    psys: new Float64Array(length),
  };
}

/**
 * Merges many nodes' sample streams into one job timeline, e.g. to plot a multi-node job.
 *
 * @param streams Each node's samples, in any order.
 * @returns The summed timeline.
 */
export function mergeNodeSamples(streams: Iterable<Iterable<SampleRecord>>): JobTimeline {
  const builder = createJobTimeline();
  for (const stream of streams) for (const sample of stream) builder.add(sample);
  return builder.finish();
}

const COMPONENT_KEY = '"component":"';
const ENERGY_KEY = '"attributedEnergyJoules":';
const COMPONENT_SET: ReadonlySet<string> = new Set(COMPONENTS);

// A line's devices, reused from line to line (no arrays allocated per line).
const lineComponents: Component[] = [];
const lineJoules: number[] = [];

// Consecutive samples share their minute: Date.parse runs once per minute, not per line.
let cachedMinute = "";
let cachedMinuteMs = NaN;

function digit(line: string, at: number): number {
  const d = line.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
}

/** Parses the `t` field starting at `from` (ending at the quote at `end`), in ms. */
function sampleTimeMs(line: string, from: number, end: number): number {
  // The log writer's form, `YYYY-MM-DDTHH:MM:SS.sssZ`; anything else goes to Date.parse.
  if (
    end - from !== 24 || line.charCodeAt(from + 16) !== 58 || line.charCodeAt(from + 19) !== 46 ||
    line.charCodeAt(from + 23) !== 90
  ) return Date.parse(line.slice(from, end));
  const minute = line.slice(from, from + 16);
  if (minute !== cachedMinute) {
    cachedMinuteMs = Date.parse(`${minute}:00.000Z`);
    cachedMinute = minute;
  }
  const seconds = digit(line, from + 17) * 10 + digit(line, from + 18);
  const ms = digit(line, from + 20) * 100 + digit(line, from + 21) * 10 + digit(line, from + 22);
  return seconds < 60 ? cachedMinuteMs + seconds * 1000 + ms : NaN;
}

/**
 * Adds one `samples.jsonl` line to a timeline, reading only the fields the merge needs
 * (time, each device's component and attributed joules); falls back to a full parse for any
 * line not written in the log writer's key order.
 *
 * @param builder The timeline.
 * @param line One line of `samples.jsonl`.
 * @returns The line's attributed joules (all devices).
 * @throws SyntaxError when the line is not JSON.
 */
export function addSampleLine(builder: JobTimelineBuilder, line: string): number {
  if (line.startsWith('{"t":"')) {
    const ms = sampleTimeMs(line, 6, line.indexOf('"', 6));
    let count = 0;
    let ok = !Number.isNaN(ms);
    for (
      let at = line.indexOf(COMPONENT_KEY);
      ok && at >= 0;
      at = line.indexOf(COMPONENT_KEY, at)
    ) {
      at += COMPONENT_KEY.length;
      const component = line.slice(at, line.indexOf('"', at));
      const close = line.indexOf("}", at);
      const key = line.indexOf(ENERGY_KEY, at);
      if (!COMPONENT_SET.has(component) || key < 0 || key > close) {
        ok = false;
        break;
      }
      const from = key + ENERGY_KEY.length;
      let to = from;
      while (to < close && line.charCodeAt(to) !== 44) to++; // up to "," or "}"
      const value = Number(line.slice(from, to));
      if (!Number.isFinite(value)) ok = false;
      lineComponents[count] = component as Component;
      lineJoules[count++] = value;
    }
    if (ok) {
      let total = 0;
      for (let i = 0; i < count; i++) {
        builder.addJoules(ms, lineComponents[i]!, lineJoules[i]!);
        total += lineJoules[i]!;
      }
      builder.countSample();
      return total;
    }
  }
  const sample = JSON.parse(line) as SampleRecord;
  builder.add(sample);
  return sample.devices.reduce((s, d) => s + d.attributedEnergyJoules, 0);
}

/**
 * Log directories for tests, written on disk in the schema's format (lib/log/schema.ts):
 * `impact.json`, `samples.jsonl` and `summary.json`, with figures simple enough to check by
 * hand.
 *
 * A run is described by a {@link FixtureRun}: constant power per component, a number of
 * equal intervals, an optional live intensity per interval. {@link makeRun} turns it into
 * the three records (pure); {@link writeRun} writes them into a folder, optionally without
 * `summary.json` (a killed run), with corrupt lines or a truncated last line;
 * {@link writeLogSet} writes many runs under one root (temp_dir.ts gives a temporary folder
 * removed by `await using`).
 *
 * Each interval's energy is `watts x intervalSeconds` per component, all attributed to the
 * job (`jobShare` 1) unless `attributedShare` says otherwise; the summary is the sum of the
 * samples, so a run of `samples` intervals of `intervalSeconds` at `cpuWatts` has
 * `cpuWatts x intervalSeconds x samples` attributed CPU joules.
 *
 * @example Two runs under a temporary root
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { writeLogSet } from "./log_fixtures.ts";
 * import { tempDir } from "./temp_dir.ts";
 *
 * await using root = await tempDir();
 * const dirs = await writeLogSet(root.path, [
 *   { name: "a", cpuWatts: 50, samples: 6, intervalSeconds: 10, zone: "FR" },
 *   { name: "b", gpuWatts: [300], samples: 12, intervalSeconds: 10 },
 * ]);
 * equal(dirs.length, 2);
 * ```
 *
 * @module
 */
import { join } from "node:path";
import type { Component, Method } from "../../lib/types.ts";
import {
  type ComponentTotal,
  type DeviceSample,
  LOG_FILES,
  LOG_SCHEMA_VERSION,
  type RegionInfo,
  type RunInfo,
  type RunSummary,
  type SampleRecord,
} from "../../lib/log/schema.ts";

/** A run to write; every field has a default. */
export interface FixtureRun {
  /** Folder name under the root given to {@link writeLogSet} (default `run-<index>`). */
  name?: string;
  /** Start time, ISO 8601 UTC (default 2024-03-01T12:00:00.000Z). */
  start?: string;
  /** Number of samples (default 6). */
  samples?: number;
  /** Interval length, seconds (default 10). */
  intervalSeconds?: number;
  /** CPU package power, W (default 40; 0 leaves out the CPU device). */
  cpuWatts?: number;
  /** How the CPU figure was obtained (default `counter`). */
  cpuMethod?: Method;
  /** DRAM power, W (default 0: no DRAM device). */
  dramWatts?: number;
  /** Power of each GPU the job used, W (default none). */
  gpuWatts?: number[];
  /** How GPU figures were obtained (default `counter`). */
  gpuMethod?: Method;
  /** Share of each device's energy attributed to the job, [0, 1] (default 1). */
  attributedShare?: number;
  /** CPU seconds the job used per interval (default: the interval length). */
  cpuSecondsPerInterval?: number;
  /** Grid zone of the run (default none: region unknown). */
  zone?: string;
  /** ISO 3166-1 alpha-3 of the run's region. */
  country?: string;
  /** A cloud region, with its provider PUE. */
  cloud?: { provider: string; region: string; pue?: number };
  /** Live intensity of each interval, gCO2e/kWh (shorter lists leave later intervals without). */
  liveIntensities?: number[];
  /** Labels for impact.json. */
  labels?: Record<string, string>;
  /**
   * Devices not measured for some intervals, as the writer records them: absent from those
   * samples' `devices`, named in their `gaps`, and summary.json gets `gaps` and each
   * component's `unmeasuredSeconds` (without this, summary.json has neither, as older logs).
   */
  gaps?: FixtureGap[];
  /**
   * A log as versions before gaps wrote it when a sensor failed: sampling stopped for every
   * device after `afterSamples` intervals, impact.json's `samplingError` says why, and
   * summary.json (no gaps) spans the run's whole wall time (`samples` intervals).
   */
  samplingError?: { afterSamples: number; message: string };
}

/** A stretch of consecutive intervals a device was not measured. */
export interface FixtureGap {
  /** Device id the run has, e.g. `gpu-1` or `package-0`. */
  device: string;
  /** The first interval not measured, 0-based. */
  fromSample: number;
  /** How many intervals (default: to the end of the run). */
  samples?: number;
  /** Why (default `GPU is lost (NVML error 15)`). */
  reason?: string;
}

/** The three records of a log directory. */
export interface FixtureRecords {
  info: RunInfo;
  samples: SampleRecord[];
  summary: RunSummary;
}

/** How {@link writeRun} damages a log directory. */
export interface WriteOptions {
  /** Leave out summary.json, as a killed run does (default false). */
  omitSummary?: boolean;
  /** Lines inserted before samples.jsonl line number `at` (1-based), e.g. corrupt JSON. */
  insertLines?: { at: number; text: string }[];
  /** Append half a JSON line with no newline, as a crash mid-write leaves (default false). */
  truncatedLastLine?: boolean;
}

/**
 * Builds the records of one run (pure).
 *
 * @param run What the run looks like.
 * @returns impact.json, the samples and summary.json as values.
 */
export function makeRun(run: FixtureRun = {}): FixtureRecords {
  const start = run.start ?? "2024-03-01T12:00:00.000Z";
  const count = run.samples ?? 6;
  const interval = run.intervalSeconds ?? 10;
  const share = run.attributedShare ?? 1;
  const cpuWatts = run.cpuWatts ?? 40;
  const dramWatts = run.dramWatts ?? 0;
  const gpuWatts = run.gpuWatts ?? [];
  const startMs = Date.parse(start);
  const devices: { component: Component; device: string; method: Method; watts: number }[] = [];
  if (cpuWatts > 0) {
    devices.push({
      component: "cpu",
      device: "package-0",
      method: run.cpuMethod ?? "counter",
      watts: cpuWatts,
    });
  }
  if (dramWatts > 0) {
    devices.push({
      component: "dram",
      device: "dram-0",
      method: run.cpuMethod ?? "counter",
      watts: dramWatts,
    });
  }
  gpuWatts.forEach((watts, i) =>
    devices.push({
      component: "gpu",
      device: `gpu-${i}`,
      method: run.gpuMethod ?? "counter",
      watts,
    })
  );
  const cpuSeconds = run.cpuSecondsPerInterval ?? interval;
  const sampled = Math.min(count, run.samplingError?.afterSamples ?? count);
  const gapAt = (device: string, i: number) =>
    run.gaps?.find((g) =>
      g.device === device && i >= g.fromSample && i < g.fromSample + (g.samples ?? count)
    );
  const measuredIntervals = (device: string) =>
    Array.from({ length: sampled }, (_, i) => i).filter((i) => !gapAt(device, i)).length;
  const samples: SampleRecord[] = [];
  for (let i = 0; i < sampled; i++) {
    const deviceSamples: DeviceSample[] = devices.filter((d) => !gapAt(d.device, i)).map((d) => ({
      component: d.component,
      device: d.device,
      method: d.method,
      machineEnergyJoules: d.watts * interval,
      attributedEnergyJoules: d.watts * interval * share,
      powerWatts: d.watts,
      ...(d.component === "gpu" ? { utilization: 0.9, usedByJob: true } : {}),
    }));
    const sample: SampleRecord = {
      t: new Date(startMs + (i + 1) * interval * 1000).toISOString(),
      intervalSeconds: interval,
      devices: deviceSamples,
      cpu: { jobShare: share, jobCpuSeconds: cpuSeconds, utilization: 0.5 },
      memory: { jobBytes: 1_000_000_000, kind: "pss" },
    };
    const live = run.liveIntensities?.[i];
    if (live !== undefined) sample.intensity = { gramsPerKwh: live, source: "fixture-live" };
    const gaps = devices.flatMap((d) => {
      const gap = gapAt(d.device, i);
      return gap ? [{ component: d.component, device: d.device, reason: gapReason(gap) }] : [];
    });
    if (gaps.length > 0) sample.gaps = gaps;
    samples.push(sample);
  }
  const end = new Date(startMs + count * interval * 1000).toISOString();
  const components: ComponentTotal[] = devices.map((d) => ({
    component: d.component,
    device: d.device,
    method: d.method,
    machineEnergyJoules: d.watts * interval * measuredIntervals(d.device),
    attributedEnergyJoules: d.watts * interval * measuredIntervals(d.device) * share,
    ...(run.gaps ? { unmeasuredSeconds: (sampled - measuredIntervals(d.device)) * interval } : {}),
  }));
  const sum = (pick: (c: ComponentTotal) => number) =>
    components.reduce((total, c) => total + pick(c), 0);
  const machinePower = devices.reduce((total, d) => total + d.watts, 0);
  const gpusMeasured = devices.filter((d) => d.component === "gpu")
    .reduce((total, d) => total + measuredIntervals(d.device), 0);
  const summary: RunSummary = {
    schemaVersion: LOG_SCHEMA_VERSION,
    start,
    end,
    durationSeconds: count * interval,
    exitCode: 0,
    attribution: share === 1 ? "whole-machine" : "cpu-time-share",
    components,
    totals: {
      machineEnergyJoules: sum((c) => c.machineEnergyJoules),
      attributedEnergyJoules: sum((c) => c.attributedEnergyJoules),
      measuredEnergyJoules: sum((c) => (c.method === "estimate" ? 0 : c.attributedEnergyJoules)),
      estimatedEnergyJoules: sum((c) => (c.method === "estimate" ? c.attributedEnergyJoules : 0)),
    },
    power: {
      // Over the whole window, gaps included (an old log's samplingError: the samples').
      meanWatts: run.gaps ? sum((c) => c.machineEnergyJoules) / (count * interval) : machinePower,
      peakWatts: machinePower,
    },
    cpuSeconds: cpuSeconds * sampled,
    gpuSeconds: gpusMeasured * interval,
    samples: sampled,
  };
  if (run.gaps) {
    summary.gaps = run.gaps.map((g) => {
      const device = devices.find((d) => d.device === g.device);
      if (!device) throw new Error(`Fixture gap of ${g.device}, a device the run does not have`);
      const last = Math.min(sampled, g.fromSample + (g.samples ?? count));
      return {
        component: device.component,
        device: g.device,
        from: new Date(startMs + g.fromSample * interval * 1000).toISOString(),
        to: new Date(startMs + last * interval * 1000).toISOString(),
        seconds: (last - g.fromSample) * interval,
        reason: gapReason(g),
      };
    });
  }
  const region: RegionInfo | undefined = run.zone || run.country || run.cloud
    ? {
      source: run.cloud ? "--cloud" : run.zone ? "--zone" : "--country",
      ...(run.zone ? { zone: run.zone } : {}),
      ...(run.country ? { country: run.country } : {}),
      ...(run.cloud ? { cloud: run.cloud } : {}),
    }
    : undefined;
  const info: RunInfo = {
    schemaVersion: LOG_SCHEMA_VERSION,
    tool: { name: "impact", version: "0.1.0" },
    command: ["python", "train.py"],
    cwd: "/home/user/project",
    start,
    end,
    exitCode: 0,
    signal: null,
    host: { hostname: "node-1", os: "linux", arch: "x86_64" },
    cpu: { model: "Fixture CPU 8-core", sockets: 1, cores: 8, threads: 16 },
    gpus: gpuWatts.map((_, index) => ({ index, name: "NVIDIA A100-SXM4-40GB", usedByJob: true })),
    sensors: [],
    attribution: summary.attribution,
    options: {
      intervalSeconds: interval,
      ...(run.liveIntensities ? { liveIntensity: "fixture" } : {}),
    },
    labels: run.labels ?? {},
    ...(region ? { region } : {}),
    ...(run.samplingError ? { samplingError: run.samplingError.message } : {}),
  };
  return { info, samples, summary };
}

function gapReason(gap: FixtureGap): string {
  return gap.reason ?? "GPU is lost (NVML error 15)";
}

/**
 * Writes one run's log directory (created if missing).
 *
 * @param dir The log directory.
 * @param records What to write, from {@link makeRun}.
 * @param options Damage to apply: no summary, inserted lines, a truncated last line.
 * @returns `dir`.
 */
export async function writeRun(
  dir: string,
  records: FixtureRecords,
  options: WriteOptions = {},
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, LOG_FILES.info), JSON.stringify(records.info, null, 2) + "\n");
  const lines = records.samples.map((s) => JSON.stringify(s));
  const inserts = [...(options.insertLines ?? [])].sort((a, b) => b.at - a.at);
  for (const insert of inserts) lines.splice(insert.at - 1, 0, insert.text);
  let text = lines.map((line) => line + "\n").join("");
  if (options.truncatedLastLine) text += '{"t":"2024-03-01T13:00:00.000Z","intervalSec';
  await Deno.writeTextFile(join(dir, LOG_FILES.samples), text);
  if (!options.omitSummary) {
    await Deno.writeTextFile(
      join(dir, LOG_FILES.summary),
      JSON.stringify(records.summary, null, 2) + "\n",
    );
  }
  return dir;
}

/**
 * Writes several runs under one root, each in its own folder (`name`, or `run-<index>`;
 * a name may contain `/` to nest folders).
 *
 * @param root The folder to write under.
 * @param runs The runs.
 * @param options Damage applied to every run (see {@link WriteOptions}).
 * @returns The log directories, in the order of `runs`.
 */
export async function writeLogSet(
  root: string,
  runs: readonly FixtureRun[],
  options: WriteOptions = {},
): Promise<string[]> {
  const dirs: string[] = [];
  for (const [i, run] of runs.entries()) {
    dirs.push(await writeRun(join(root, run.name ?? `run-${i}`), makeRun(run), options));
  }
  return dirs;
}

/**
 * Two six-minute runs (10 samples of 36 s), easy to check by hand: 100 W in FR
 * (36,000 J = 0.01 kWh) and 200 W in DE (0.02 kWh).
 *
 * @param first The first run's folder name.
 * @param second The second run's folder name.
 * @returns The two runs, for {@link writeLogSet}.
 */
export function frAndDeRuns(first = "a", second = "b"): FixtureRun[] {
  return [
    { name: first, cpuWatts: 100, samples: 10, intervalSeconds: 36, zone: "FR" },
    { name: second, cpuWatts: 200, samples: 10, intervalSeconds: 36, zone: "DE" },
  ];
}

/**
 * Three runs of 36 s intervals in FR where devices went unmeasured, easy to check by hand:
 * `lost`: two GPUs at 300 W for 30 intervals (18 min), gpu-1 lost for the last 20 (12 min);
 * `old`: written before gaps were recorded, CPU at 100 W, sampling stopped after 5 of 10
 * intervals (package-0 not measured for 3 min); `whole`: every device measured throughout.
 *
 * @returns The runs, for {@link writeLogSet}.
 */
export function gapRuns(): FixtureRun[] {
  return [
    {
      name: "lost",
      cpuWatts: 0,
      gpuWatts: [300, 300],
      samples: 30,
      intervalSeconds: 36,
      zone: "FR",
      gaps: [{ device: "gpu-1", fromSample: 10, reason: "GPU is lost" }],
    },
    {
      name: "old",
      cpuWatts: 100,
      samples: 10,
      intervalSeconds: 36,
      zone: "FR",
      samplingError: { afterSamples: 5, message: "energy_uj read failed" },
    },
    { name: "whole", cpuWatts: 100, samples: 10, intervalSeconds: 36, zone: "FR" },
  ];
}

/**
 * The run's cluster steps, each a function returning a plain value the runner merges into
 * impact.json and the sampling plan:
 * - {@link planSlurm}: a SLURM task's role (one sampler per node, elected), its log folder
 *   `<log-dir>/<job id>/<node>/step-<id>/{node,task-<rank>}` and its GPUs;
 * - {@link planCgroup}: the job's CPU time and memory from a cgroup (`--cgroup`, SLURM's job
 *   cgroup found by itself, `--attribution cgroup`);
 * - {@link startMetrics}: `--metrics`, a Prometheus endpoint while the job runs.
 *
 * The modules doing the work load only when a run needs them; the SLURM environment reader and
 * the GPU selection are loaded by every run (every run asks whether it is a SLURM task, and
 * lib/cli/run_flags.ts loads the GPU selection at start-up), so they are imported here.
 *
 * @module
 */
import { resolve } from "node:path";
import type { SampleRecord, SlurmInfo } from "../log/schema.ts";
import { type Runtime, systemPaths } from "../runtime.ts";
import type { Attribution, GpuInfo, GpuSelection, SensorStatus, UsageSource } from "../types.ts";
import { parseSlurmEnv, slurmLogLayout } from "../cluster/slurm.ts";
import { resolveGpus } from "../sensors/gpu_visibility.ts";
import { ExitCode, RunError } from "./errors.ts";

function usageError(flag: string, error: unknown): RunError {
  return new RunError(
    `${flag}: ${error instanceof Error ? error.message : String(error)}`,
    ExitCode.usage,
  );
}

/** A SLURM task's place in its job. */
export interface SlurmPlan {
  /** impact.json's `slurm`, `nodeSampler` decided. */
  slurm: SlurmInfo;
  /** The task's log folder. */
  logDir: string;
  /** False when another task samples the node's devices: this task must read none. */
  samplesNode: boolean;
  /**
   * The GPUs the task holds (the node sampler: every GPU the job holds on the node), resolved
   * against the GPUs the sensors see, with the rule that decided.
   */
  gpuSelection: GpuSelection;
  /** Lines for the user. */
  notes: string[];
  /** Gives the node's sampler lock back (the node sampler holds it for the run). */
  release(): Promise<void>;
}

/**
 * Finds a SLURM task's role, log folder and GPUs; undefined outside SLURM.
 *
 * @param runtime The environment and the node's lock files.
 * @param run The host name, working directory, `--log-dir`, `--gpus` and the GPUs found.
 * @returns The plan, or undefined when there is no `SLURM_JOB_ID`.
 * @throws {RunError} A usage error for a malformed SLURM environment or `--gpus`.
 */
export async function planSlurm(
  runtime: Runtime,
  run: {
    hostname: string;
    cwd: string;
    logDir?: string | undefined;
    gpus: GpuInfo[];
    explicitGpus?: string | undefined;
  },
): Promise<SlurmPlan | undefined> {
  const env = (name: string) => runtime.env(name);
  let task;
  try {
    task = parseSlurmEnv(env, run.hostname);
  } catch (error) {
    throw usageError("SLURM environment", error);
  }
  if (!task) return undefined;
  const { electNodeSampler } = await import("../cluster/election.ts");
  const base = resolve(run.cwd, run.logDir ?? env("IMPACT_LOG_DIR") ?? "impact-logs");
  const { nodeDir } = slurmLogLayout(base, task.info, false);
  const election = await electNodeSampler({
    info: task.info,
    nodeDir,
    lockDir: env("IMPACT_LOCK_DIR"),
    hostname: run.hostname,
  });
  const slurm: SlurmInfo = { ...task.info, nodeSampler: election.nodeSampler };
  // The node sampler counts every GPU the job holds on the node; a task, its own.
  let gpuSelection: GpuSelection;
  try {
    gpuSelection = resolveGpus({
      env,
      gpus: run.gpus,
      explicit: run.explicitGpus,
      scope: election.nodeSampler ? "node" : "task",
    });
  } catch (error) {
    await election.release();
    throw usageError("--gpus", error);
  }
  const plan: SlurmPlan = {
    slurm,
    logDir: slurmLogLayout(base, slurm, election.nodeSampler).runDir,
    samplesNode: election.nodeSampler,
    gpuSelection,
    notes: [...election.notes],
    release: () => election.release(),
  };
  const node = slurm.node ?? run.hostname;
  plan.notes.push(
    election.nodeSampler
      ? `samples node ${node}'s devices for job ${slurm.jobId}`
      // Another task of this job samples the node's devices: reading them here too would
      // count their energy twice. This task's log keeps its processes and GPUs.
      : `task ${slurm.taskRank ?? "?"} records its own processes; node ${node}'s devices ` +
        `are sampled by ${
          election.holder ? `pid ${election.holder.pid}` : "local task 0"
        } (decided by ${election.method})`,
  );
  return plan;
}

/** Where the job's CPU time and memory come from, when a cgroup was asked for or found. */
export interface CgroupPlan {
  /** The cgroup reader's status, for impact.json's `sensors`. */
  status: SensorStatus;
  /** The job's usage from the cgroup; absent when it could not be read (procfs stays). */
  usage?: UsageSource;
  /** The attribution the cgroup gives (unless the run asked for `whole-machine`). */
  attribution?: Attribution;
  /** Lines for the user. */
  notes: string[];
}

/**
 * Reads the job's CPU time and memory from a cgroup: the one `--cgroup` names, else the
 * job's own when `--attribution cgroup` asks for it or a SLURM node sampler counts the job.
 *
 * @param runtime Where the cgroup and procfs are read.
 * @param request `--cgroup`, `--attribution`, whether this task samples its SLURM node, and
 *   the machine's CPU time source (procfs).
 * @returns The plan, or undefined when no cgroup is wanted.
 * @throws {RunError} A usage error when the cgroup asked for cannot be read.
 */
export async function planCgroup(
  runtime: Runtime,
  request: {
    cgroup?: string | undefined;
    attribution: Attribution;
    nodeSampler?: boolean | undefined;
    system?: UsageSource | undefined;
  },
): Promise<CgroupPlan | undefined> {
  const explicit = request.cgroup;
  const wanted = request.attribution === "cgroup";
  // A SLURM node sampler counts the whole job on its node: the job's cgroup holds every task.
  if (explicit === undefined && !wanted && request.nodeSampler !== true) return undefined;
  const [{ createCgroupReader }, { cgroupUsageSource }] = await Promise.all([
    import("../sensors/cgroup.ts"),
    import("../sampler/cgroup_usage.ts"),
  ]);
  const reader = createCgroupReader(
    runtime,
    systemPaths(runtime),
    explicit !== undefined ? { cgroup: explicit } : { pid: "self", level: "job" },
  );
  const status = await reader.probe();
  const system = request.system;
  if (!status.available || !system) {
    const reason = status.reason ?? "procfs is unreadable, so the machine's CPU time is unknown";
    if (explicit !== undefined) throw usageError(`--cgroup "${explicit}"`, reason);
    if (wanted) throw usageError("--attribution cgroup", reason);
    return { status, notes: [`no job cgroup (${reason}); CPU share from the process tree`] };
  }
  const plan: CgroupPlan = {
    status,
    usage: await cgroupUsageSource(reader, system),
    notes: [`CPU share and memory from cgroup ${reader.location()?.relative}`],
  };
  if (request.attribution !== "whole-machine") plan.attribution = reader.attribution;
  return plan;
}

/** A running `--metrics` endpoint. */
export interface MetricsExport {
  /** Where it serves, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  /** Adds a sample's energy to the counters. */
  add(record: SampleRecord): void;
  /** Stops serving. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Serves the run's energy counters for Prometheus while the job runs.
 *
 * @param address `--metrics`: `[host:]port` (127.0.0.1 unless a host is given).
 * @param labels The host name, the SLURM task and the run's `--label`s.
 * @returns The running endpoint.
 * @throws {RunError} A usage error for a malformed address or one that cannot be bound.
 */
export async function startMetrics(
  address: string,
  labels: { hostname: string; slurm?: SlurmInfo | undefined; labels: Record<string, string> },
): Promise<MetricsExport> {
  const [{ parseListenAddress, serveMetrics }, prometheus] = await Promise.all([
    import("../report/metrics_server.ts"),
    import("../report/prometheus.ts"),
  ]);
  let listen;
  let metricLabels;
  try {
    listen = parseListenAddress(address);
    metricLabels = prometheus.metricsLabels(labels.hostname, labels.slurm, labels.labels);
  } catch (error) {
    throw usageError(`--metrics "${address}"`, error);
  }
  const totals = prometheus.createMetricsTotals();
  const server = await serveMetrics({
    hostname: listen.hostname,
    port: listen.port,
    getText: () => prometheus.renderMetrics(totals, metricLabels),
  }).catch((error) => {
    throw usageError("--metrics", error);
  });
  let stopped: Promise<void> | undefined;
  return {
    url: server.url,
    add: (record) => totals.add(record),
    stop: () => stopped ??= server.shutdown(),
  };
}

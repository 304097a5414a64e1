/**
 * `impact run` on clusters: `--metrics` (a Prometheus endpoint while the job runs),
 * `--cgroup` (the job's CPU time and memory from a cgroup; SLURM's job cgroup is found by
 * itself) and SLURM tasks (one sampler per node, logs at
 * `<log-dir>/<job id>/<node>/step-<id>/{node,task-<rank>}`, GPUs mapped to tasks).
 *
 * This file stays light (it is loaded with the `run` command's flags); the modules doing the
 * work are imported when a run needs them.
 *
 * @module
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { ExitCode, RunError } from "./errors.ts";
import type { SampleRecord } from "../log/schema.ts";
import type { RunContext, RunHooks } from "./hooks.ts";
import type { RunExtension } from "./extensions.ts";

/** Declares `--metrics` and `--cgroup` on `impact run`. */
function clusterFlags(command: Command): void {
  command
    .option(
      "--metrics <[host:]port>",
      "serve Prometheus metrics at /metrics while the job runs (127.0.0.1 unless a host is given)",
    )
    .option(
      "--cgroup <path>",
      "take the job's CPU time and memory from this cgroup (a SLURM job's is found by itself)",
    );
}

function usageError(flag: string, error: unknown): RunError {
  return new RunError(
    `${flag}: ${error instanceof Error ? error.message : String(error)}`,
    ExitCode.usage,
  );
}

/**
 * The cluster hooks of one run: SLURM election and layout, cgroup usage, metrics endpoint.
 *
 * @returns Hooks holding this run's state (the server, the lock); give each run its own.
 */
export function clusterHooks(): RunHooks {
  let stopServer: (() => Promise<void>) | undefined;
  let releaseLock: (() => Promise<void>) | undefined;
  let addToMetrics: ((record: SampleRecord) => void) | undefined;

  const stop = async () => {
    const [server, lock] = [stopServer, releaseLock];
    stopServer = releaseLock = undefined;
    await Promise.all([server?.(), lock?.()]);
  };

  async function slurm(context: RunContext): Promise<boolean> {
    const { runtime, info, options } = context;
    const env = (name: string) => runtime.env(name);
    const [{ parseSlurmEnv, slurmLogLayout }, { taskGpus, visibleGpuIndices }] = await Promise.all([
      import("../cluster/slurm.ts"),
      import("../sensors/gpu_visibility.ts"),
    ]);
    let task;
    try {
      task = parseSlurmEnv(env, info.host.hostname);
    } catch (error) {
      throw usageError("SLURM environment", error);
    }
    if (!task) return false;
    const [{ electNodeSampler }, { systemPaths }] = await Promise.all([
      import("../cluster/election.ts"),
      import("../runtime.ts"),
    ]);
    const base = resolve(info.cwd, options.logDir ?? env("IMPACT_LOG_DIR") ?? "impact-logs");
    const slurmInfo = task.info;
    const { nodeDir } = slurmLogLayout(base, slurmInfo, false);
    const election = await electNodeSampler({
      info: slurmInfo,
      nodeDir,
      runtime,
      procfsRoot: systemPaths(runtime).procfsRoot,
      hostname: info.host.hostname,
    });
    releaseLock = () => election.release();
    slurmInfo.nodeSampler = election.nodeSampler;
    info.slurm = slurmInfo;
    context.logDir = slurmLogLayout(base, slurmInfo, election.nodeSampler).runDir;

    // The node sampler counts every GPU the job holds on the node; a task, its own.
    let gpus;
    try {
      gpus = election.nodeSampler
        ? taskGpus((name) => name === "CUDA_VISIBLE_DEVICES" ? undefined : env(name)) ??
          taskGpus(env)
        : taskGpus(env);
    } catch (error) {
      throw usageError("GPU mapping", error);
    }
    if (gpus) {
      context.sampling.cudaVisibleDevices = (gpus.indices ?? gpus.uuids ?? []).join(",");
      info.options.gpus = { ...gpus };
      // UUIDs name the node's GPUs as CUDA matches them (a unique prefix, up to the first miss).
      const used = gpus.indices ?? visibleGpuIndices(gpus.uuids?.join(","), info.gpus);
      for (const gpu of info.gpus) {
        if (used.includes(gpu.index)) gpu.usedByJob = true;
      }
    }
    const node = slurmInfo.node ?? info.host.hostname;
    if (!election.nodeSampler) {
      // Another task of this job samples the node's devices: reading them here too would
      // count their energy twice. This task's log keeps its processes and GPUs.
      context.sampling.sensors = [];
      context.note(
        `task ${slurmInfo.taskRank ?? "?"} records its own processes; node ${node}'s devices ` +
          `are sampled by ${
            election.holder ? `pid ${election.holder.pid}` : "local task 0"
          } (decided by ${election.method})`,
      );
    } else {
      context.note(`samples node ${node}'s devices for job ${slurmInfo.jobId}`);
    }
    return election.nodeSampler;
  }

  async function cgroup(context: RunContext, nodeSampler: boolean | undefined): Promise<void> {
    const { runtime, info, options } = context;
    const explicit = options.flags.cgroup as string | undefined;
    const wanted = options.attribution === "cgroup";
    // A SLURM node sampler counts the whole job on its node: the job's cgroup holds every task.
    if (explicit === undefined && !wanted && nodeSampler !== true) return;
    const [{ createCgroupReader }, { cgroupUsageSource }, { systemPaths }] = await Promise.all([
      import("../sensors/cgroup.ts"),
      import("../sampler/cgroup_usage.ts"),
      import("../runtime.ts"),
    ]);
    const reader = createCgroupReader(
      runtime,
      systemPaths(runtime),
      explicit !== undefined ? { cgroup: explicit } : { pid: "self", level: "job" },
    );
    const status = await reader.probe();
    info.sensors = [...info.sensors, status];
    const system = context.sampling.usage;
    if (!status.available || !system) {
      const reason = status.reason ?? "procfs is unreadable, so the machine's CPU time is unknown";
      if (explicit !== undefined) throw usageError(`--cgroup "${explicit}"`, reason);
      if (wanted) throw usageError("--attribution cgroup", reason);
      context.note(`no job cgroup (${reason}); CPU share from the process tree`);
      return;
    }
    context.sampling.usage = await cgroupUsageSource(reader, system);
    if (options.attribution !== "whole-machine") info.attribution = reader.attribution;
    context.note(`CPU share and memory from cgroup ${reader.location()?.relative}`);
  }

  async function metrics(context: RunContext): Promise<void> {
    const text = context.options.flags.metrics;
    if (text === undefined) return;
    const [{ parseListenAddress, serveMetrics }, prometheus] = await Promise.all([
      import("../report/metrics_server.ts"),
      import("../report/prometheus.ts"),
    ]);
    let address;
    let labels;
    try {
      address = parseListenAddress(String(text));
      labels = prometheus.metricsLabels(
        context.info.host.hostname,
        context.info.slurm,
        context.options.labels,
      );
    } catch (error) {
      throw usageError(`--metrics "${text}"`, error);
    }
    const totals = prometheus.createMetricsTotals();
    const server = await serveMetrics({
      hostname: address.hostname,
      port: address.port,
      getText: () => prometheus.renderMetrics(totals, labels),
    }).catch((error) => {
      throw usageError("--metrics", error);
    });
    stopServer = () => server.shutdown();
    addToMetrics = (record) => totals.add(record);
    context.note(`metrics at ${server.url}`);
  }

  return {
    async beforeStart(context) {
      const nodeSampler = await slurm(context);
      await cgroup(context, context.info.slurm ? nodeSampler : undefined);
      await metrics(context);
    },
    onSample(record, context) {
      if (context.info.slurm) record.slurm = context.info.slurm;
      addToMetrics?.(record);
    },
    afterEnd: stop,
    dispose: stop,
  };
}

/** The cluster extension of `impact run`: `--metrics`, `--cgroup` and SLURM tasks. */
export const clusterExtension: RunExtension = { flags: clusterFlags, hooks: clusterHooks };

/**
 * SLURM's view of a task, read from the environment `srun`/`sbatch` set: which job, step,
 * node and rank it is, whose it is, which GPUs it was given, and where its log goes.
 *
 * @module
 */
import { join } from "node:path";
import type { SlurmInfo } from "../log/schema.ts";
import { parseWholeNumber } from "../decimal.ts";

/** A task's SLURM context: the logged {@link SlurmInfo} plus the allocation's shape. */
export interface SlurmTask {
  info: SlurmInfo;
  /** Tasks in the step (`SLURM_STEP_NUM_TASKS`, else `SLURM_NTASKS`). */
  ntasks?: number;
  /** Nodes in the job (`SLURM_JOB_NUM_NODES` / `SLURM_NNODES`). */
  numNodes?: number;
  /** This node's index in the allocation (`SLURM_NODEID`). */
  nodeId?: number;
  jobName?: string;
  cluster?: string;
}

/** SLURM's reserved step ids, as its cgroups and `sacct` name them. */
const SPECIAL_STEPS: Record<string, string> = {
  "4294967290": "interactive",
  "4294967291": "batch",
  "4294967292": "extern",
};

function integer(env: (name: string) => string | undefined, ...names: string[]) {
  for (const name of names) {
    const text = env(name)?.trim();
    if (text === undefined || text === "") continue;
    const value = parseWholeNumber(text);
    if (value === undefined) {
      throw new Error(`${name} must be a non-negative integer, found "${text}"`);
    }
    return value;
  }
  return undefined;
}

function text(env: (name: string) => string | undefined, ...names: string[]) {
  for (const name of names) {
    const value = env(name)?.trim();
    if (value !== undefined && value !== "" && value !== "(null)") return value;
  }
  return undefined;
}

/** Sets an optional field only when SLURM gave it (absent, not undefined, in impact.json). */
function setIfGiven<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/**
 * Reads a task's SLURM context from its environment.
 *
 * @param env Returns an environment variable (e.g. `runtime.env`).
 * @param hostname The node's name when `SLURMD_NODENAME` is absent.
 * @returns The context, or undefined outside a SLURM job (no `SLURM_JOB_ID`/`SLURM_JOBID`).
 * @example A task of a batch job
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { parseSlurmEnv } from "./slurm.ts";
 *
 * const env: Record<string, string> = {
 *   SLURM_JOB_ID: "812",
 *   SLURM_STEP_ID: "4294967291",
 *   SLURM_PROCID: "3",
 *   SLURM_NTASKS: "8",
 * };
 * const task = parseSlurmEnv((name) => env[name], "gpu-n3");
 * deepEqual(task?.info, { jobId: "812", stepId: "batch", node: "gpu-n3", taskRank: 3 });
 * equal(task?.ntasks, 8);
 * equal(parseSlurmEnv(() => undefined), undefined); // not in a SLURM job
 * ```
 */
export function parseSlurmEnv(
  env: (name: string) => string | undefined,
  hostname?: string,
): SlurmTask | undefined {
  const jobId = text(env, "SLURM_JOB_ID", "SLURM_JOBID");
  if (jobId === undefined) return undefined;
  if (!/^[\w.+-]+$/.test(jobId)) throw new Error(`SLURM_JOB_ID is not a job id: "${jobId}"`);
  const info: SlurmInfo = { jobId };
  const step = text(env, "SLURM_STEP_ID", "SLURM_STEPID");
  if (step !== undefined) info.stepId = SPECIAL_STEPS[step] ?? step;
  setIfGiven(info, "node", text(env, "SLURMD_NODENAME") ?? hostname);
  setIfGiven(info, "taskRank", integer(env, "SLURM_PROCID"));
  setIfGiven(info, "localId", integer(env, "SLURM_LOCALID"));
  setIfGiven(info, "user", text(env, "SLURM_JOB_USER", "USER"));
  setIfGiven(info, "partition", text(env, "SLURM_JOB_PARTITION"));
  setIfGiven(info, "account", text(env, "SLURM_JOB_ACCOUNT"));
  const task: SlurmTask = { info };
  setIfGiven(task, "ntasks", integer(env, "SLURM_STEP_NUM_TASKS", "SLURM_NTASKS", "SLURM_NPROCS"));
  setIfGiven(task, "numNodes", integer(env, "SLURM_JOB_NUM_NODES", "SLURM_NNODES"));
  setIfGiven(task, "nodeId", integer(env, "SLURM_NODEID"));
  setIfGiven(task, "jobName", text(env, "SLURM_JOB_NAME"));
  setIfGiven(task, "cluster", text(env, "SLURM_CLUSTER_NAME"));
  return task;
}

/** Where a task's logs go. */
export interface SlurmLogLayout {
  /** `<log-dir>/<job id>`: every node's logs. */
  jobDir: string;
  /** `<log-dir>/<job id>/<node>`: this node's logs and the election lock. */
  nodeDir: string;
  /** `step-<id>/`: this step's logs on the node (concurrent steps do not collide). */
  stepDir: string;
  /** `step-<id>/node/` for the node sampler, `step-<id>/task-<rank>/` for every other task. */
  runDir: string;
}

/** Name of the folder holding the node sampler's log, beside the tasks'. */
const NODE_LOG_NAME = "node";

/** The step folder's name when SLURM sets no step id (the body of an `sbatch` script). */
const DEFAULT_STEP = "batch";

/**
 * Lays out a task's log folder: `<log-dir>/<job id>/<node>/step-<id>/{node,task-<rank>}`.
 *
 * @param logDir The `--log-dir` base.
 * @param info The task's SLURM info (job id and node are required).
 * @param nodeSampler Whether this task samples the node's devices.
 * @returns The job, node and run folders.
 * @example Where task 5 of job 812 writes
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { slurmLogLayout } from "./slurm.ts";
 *
 * const layout = slurmLogLayout("logs", { jobId: "812", node: "n3", stepId: "0", taskRank: 5 }, false);
 * equal(layout.runDir, "logs/812/n3/step-0/task-5");
 * ```
 */
export function slurmLogLayout(
  logDir: string,
  info: SlurmInfo,
  nodeSampler: boolean,
): SlurmLogLayout {
  if (!info.jobId) throw new Error("SLURM job id is missing; cannot place the log");
  const node = (info.node ?? "unknown-node").replace(/[^\w.+-]/g, "_");
  const jobDir = join(logDir, info.jobId);
  const nodeDir = join(jobDir, node);
  const step = (info.stepId ?? DEFAULT_STEP).replace(/[^\w.+-]/g, "_");
  const stepDir = join(nodeDir, `step-${step}`);
  const runDir = join(stepDir, nodeSampler ? NODE_LOG_NAME : `task-${info.taskRank ?? 0}`);
  return { jobDir, nodeDir, stepDir, runDir };
}

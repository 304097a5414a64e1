/**
 * Extension points of the run pipeline, for areas that add to `impact run` (region and
 * grid intensity, metrics export, SLURM): each area's entry in lib/run/extensions.ts creates
 * a {@link RunHooks} per run.
 *
 * @module
 */
import type { RunInfo, RunSummary, SampleRecord } from "../log/schema.ts";
import type { Runtime } from "../runtime.ts";
import type { UsageSource } from "../types.ts";
import type { EnergySensor } from "../sensors/types.ts";
import type { RunOptions } from "./options.ts";

/** What the sampler will read; `beforeStart` may narrow or swap it. */
export interface SamplingPlan {
  /** The energy sensors to read (discovery's; a SLURM task that is not its node's sampler reads none). */
  sensors: EnergySensor[];
  /** Job and machine CPU time (procfs by default; a cgroup reader on SLURM or with --cgroup). */
  usage?: UsageSource | undefined;
  /** The GPUs the job may use, as `CUDA_VISIBLE_DEVICES` entries (physical indices or UUIDs). */
  cudaVisibleDevices?: string | undefined;
}

/** What a hook sees of the run. */
export interface RunContext {
  options: RunOptions;
  runtime: Runtime;
  /** impact.json as it will be written; `beforeStart` may fill fields (region, slurm). */
  info: RunInfo;
  /** Prints a line on stderr (unless --quiet). */
  note(text: string): void;
  /** What the sampler reads; `beforeStart` may change it (SLURM election, cgroup usage). */
  sampling: SamplingPlan;
  /** The log folder to create; `beforeStart` may set it (the SLURM layout). */
  logDir?: string;
}

/** Hooks called at each stage; each is awaited, in the order hooks were registered. */
export interface RunHooks {
  /** Before the log directory is written and the child started (resolve the region here). */
  beforeStart?(context: RunContext): Promise<void> | void;
  /**
   * Each sample, before it is written to samples.jsonl: may set optional fields such as
   * `intensity` or `slurm`, or export the figures (metrics). Energy fields are final.
   */
  onSample?(record: SampleRecord, context: RunContext): Promise<void> | void;
  /** After summary.json is written. */
  afterEnd?(summary: RunSummary, context: RunContext): Promise<void> | void;
  /**
   * Once the run is over, also when it failed after `beforeStart`: releases what
   * `beforeStart` took (a metrics server, a lock file). Errors are ignored.
   */
  dispose?(context: RunContext): Promise<void> | void;
  /** Lines added to the end-of-run summary on stderr (each starting with two spaces). */
  summaryLines?(summary: RunSummary, context: RunContext): Promise<string[]> | string[];
}

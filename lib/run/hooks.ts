/**
 * Extension points of the run pipeline, for areas that add to `impact run` (region and
 * grid intensity, metrics export, SLURM): append a {@link RunHooks} to {@link runHooks}.
 *
 * @module
 */
import type { RunInfo, RunSummary, SampleRecord } from "../log/schema.ts";
import type { Runtime } from "../runtime.ts";
import type { RunOptions } from "./options.ts";

/** What a hook sees of the run. */
export interface RunContext {
  options: RunOptions;
  runtime: Runtime;
  /** impact.json as it will be written; `beforeStart` may fill fields (region, slurm). */
  info: RunInfo;
  /** Prints a line on stderr (unless --quiet). */
  note(text: string): void;
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
  /** Lines added to the end-of-run summary on stderr (each starting with two spaces). */
  summaryLines?(summary: RunSummary, context: RunContext): Promise<string[]> | string[];
}

/** Hooks registered by other areas. */
export const runHooks: RunHooks[] = [];

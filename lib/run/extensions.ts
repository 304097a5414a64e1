/**
 * The areas that add to `impact run` (region and grid intensity; cluster: metrics, cgroup,
 * SLURM), as one list. The flags go on every `run` command {@link defineRunCommand} builds;
 * each run gets fresh hooks from each extension, so no state is shared between runs.
 *
 * @module
 */
import type { Command } from "commander";
import type { RunHooks } from "./hooks.ts";
import { clusterExtension } from "./cluster_extension.ts";
import { regionExtension } from "./region_extension.ts";

/** One area's additions to `impact run`. */
export interface RunExtension {
  /** Declares the area's flags on the `run` command; their raw values arrive in `RunOptions.flags`. */
  flags(command: Command): void;
  /** Creates the hooks of one run (holding that run's state). */
  hooks(): RunHooks;
}

/** Every extension of `impact run`, in the order their flags and hooks apply. */
export const runExtensions: readonly RunExtension[] = [regionExtension, clusterExtension];

/**
 * Creates the hooks of one run, one instance per extension.
 *
 * @param extensions The extensions (all of them by default).
 * @returns The hooks, in the extensions' order.
 */
export function createRunHooks(extensions: readonly RunExtension[] = runExtensions): RunHooks[] {
  return extensions.map((extension) => extension.hooks());
}

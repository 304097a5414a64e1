/**
 * What was not measured: the stretches a device could not be read (summary.json's `gaps`), as
 * the figures carry them per run, and grouped over runs for a report's one line. A gap's energy
 * is in no figure (never guessed), so every report that prints a total must say how much time
 * it leaves out.
 *
 * Logs written before gaps were recorded said a failing sensor in impact.json's
 * `samplingError`, and sampling stopped there for every device: read here as a gap of every
 * device from the last sample to the end of the run.
 *
 * @module
 */
import type { DeviceGap, RunInfo, RunSummary, SampleRecord } from "../log/schema.ts";

/** The words a stop of sampling in an old log (`samplingError`) is given as a gap's reason. */
export const STOPPED_EARLY = "measurement stopped early";

/**
 * A run's gaps: its summary's, or, for a log written before gaps existed whose sampling stopped
 * on a sensor failure (`samplingError`), one gap per device from the last sample to the run's
 * end.
 *
 * @param info The run's impact.json.
 * @param summary Its summary.json.
 * @param samples Its samples (needed only with `samplingError`: the last one says where
 *   sampling stopped; without any, the window's start).
 * @returns The gaps, oldest first; empty when every device was measured throughout.
 * @example An old log whose sampling stopped 30 s before the run ended
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { runGaps } from "./gaps.ts";
 *
 * const info = { samplingError: "nvidia-smi exited", end: "2024-03-01T12:01:00.000Z" };
 * const summary = {
 *   start: "2024-03-01T12:00:00.000Z",
 *   end: "2024-03-01T12:01:00.000Z",
 *   components: [{ component: "gpu" as const, device: "gpu-0" }],
 * };
 * const samples = [{ t: "2024-03-01T12:00:30.000Z" }];
 * deepEqual(runGaps(info, summary, samples), [{
 *   component: "gpu",
 *   device: "gpu-0",
 *   from: "2024-03-01T12:00:30.000Z",
 *   to: "2024-03-01T12:01:00.000Z",
 *   seconds: 30,
 *   reason: "measurement stopped early: nvidia-smi exited",
 * }]);
 * ```
 */
export function runGaps(
  info: Pick<RunInfo, "samplingError" | "end">,
  summary: Pick<RunSummary, "gaps" | "start" | "end"> & {
    components: readonly Pick<RunSummary["components"][number], "component" | "device">[];
  },
  samples: readonly Pick<SampleRecord, "t">[],
): DeviceGap[] {
  const recorded = summary.gaps ?? [];
  // Only writers from before gaps set samplingError (a summary rebuilt from such a log's
  // samples has an empty gaps list of its own).
  if (info.samplingError === undefined) return recorded;
  const from = samples.at(-1)?.t ?? summary.start;
  const to = info.end ?? summary.end;
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
  if (!(seconds > 0)) return recorded;
  const reason = `${STOPPED_EARLY}: ${info.samplingError}`;
  return [
    ...recorded,
    ...summary.components.map(({ component, device }) => ({
      component,
      device,
      from,
      to,
      seconds,
      reason,
    })),
  ];
}

/**
 * Seconds not measured, summed over gaps (device-seconds: two devices lost for a minute are
 * 120).
 *
 * @param gaps Some gaps.
 * @returns Their lengths added up.
 */
export function gapSeconds(gaps: readonly Pick<DeviceGap, "seconds">[]): number {
  let seconds = 0;
  for (const gap of gaps) seconds += gap.seconds;
  return seconds;
}

/** One device and reason over several runs: what a report's line about gaps lists. */
export interface GapGroup {
  /** Device id as the runs name it (`gpu-1`; `node/gpu-1` in a merged SLURM job). */
  device: string;
  /** Why it was not measured. */
  reason: string;
  /** Seconds not measured, over every run in the group. */
  seconds: number;
  /** How many runs had such a gap. */
  runs: number;
}

/**
 * Groups the gaps of some runs by device and reason, the longest first: what a report prints
 * in one line instead of every stretch of every run.
 *
 * @param runs Each run's gaps.
 * @returns One group per device and reason.
 * @example GPU 1 lost in two runs, a package counter reset in one
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { groupGaps } from "./gaps.ts";
 *
 * const lost = { device: "gpu-1", reason: "GPU is lost", seconds: 300 };
 * const reset = { device: "package-0", reason: "counter reset", seconds: 2 };
 * deepEqual(groupGaps([{ gaps: [lost] }, { gaps: [lost, lost, reset] }]), [
 *   { device: "gpu-1", reason: "GPU is lost", seconds: 900, runs: 2 },
 *   { device: "package-0", reason: "counter reset", seconds: 2, runs: 1 },
 * ]);
 * ```
 */
export function groupGaps(
  runs: readonly { gaps: readonly Pick<DeviceGap, "device" | "reason" | "seconds">[] }[],
): GapGroup[] {
  const groups = new Map<string, GapGroup & { lastRun: number }>();
  runs.forEach((run, index) => {
    for (const gap of run.gaps) {
      const key = `${gap.device}\n${gap.reason}`;
      let group = groups.get(key);
      if (!group) {
        group = { device: gap.device, reason: gap.reason, seconds: 0, runs: 0, lastRun: -1 };
        groups.set(key, group);
      }
      group.seconds += gap.seconds;
      if (group.lastRun !== index) group.runs++;
      group.lastRun = index;
    }
  });
  return [...groups.values()]
    .map(({ device, reason, seconds, runs }) => ({ device, reason, seconds, runs }))
    .sort((a, b) => b.seconds - a.seconds);
}

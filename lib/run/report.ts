/**
 * What `impact run` prints on stderr: the live status line and the final summary. Pure.
 *
 * @module
 */
import type { RegionInfo, RunInfo, RunSummary, SampleRecord } from "../log/schema.ts";
import { carbonGrams } from "../accounting/carbon.ts";
import { choosePue, facilityKwh, JOULES_PER_KWH } from "../accounting/energy.ts";
import { gapSeconds } from "../accounting/gaps.ts";
import { formatDuration, shortFigure, textTable } from "../report/plain_text.ts";
import type { LiveTally } from "./live_intensity.ts";
import type { IntervalFloor } from "../sampler/sampler.ts";
import type { EnergySensor } from "../sensors/types.ts";

const JOULES_PER_WH = JOULES_PER_KWH / 1000;

/** Three significant figures; whole numbers from 1000 up (no exponent). */
function threeFigures(value: number): string {
  return Math.abs(value) >= 1000 ? value.toFixed(0) : value.toPrecision(3);
}

/**
 * Formats energy in the unit its size reads best in: J below 1 Wh, Wh below 1 kWh, then kWh;
 * three significant figures.
 *
 * @param joules Energy in joules.
 * @returns E.g. `22.2 J`, `6.17 Wh`, `2.50 kWh`.
 * @example Joules in the unit they read best in
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatEnergy } from "./report.ts";
 *
 * equal(formatEnergy(22.2), "22.2 J");
 * equal(formatEnergy(22_200), "6.17 Wh");
 * equal(formatEnergy(9_000_000), "2.50 kWh");
 * ```
 */
export function formatEnergy(joules: number): string {
  const size = Math.abs(joules);
  if (size === 0) return "0 J";
  if (size < JOULES_PER_WH) return `${threeFigures(joules)} J`;
  if (size < JOULES_PER_KWH) return `${threeFigures(joules / JOULES_PER_WH)} Wh`;
  return `${threeFigures(joules / JOULES_PER_KWH)} kWh`;
}

/**
 * Formats an emission in g CO2e below 1 kg, in kg CO2e from there; three significant figures.
 *
 * @param gramsCO2e The emission in grams of CO2 equivalent.
 * @returns E.g. `3.12 g CO2e`, `1.40 kg CO2e`.
 * @example Grams below a kilogram
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatCarbon } from "./report.ts";
 *
 * equal(formatCarbon(3.12), "3.12 g CO2e");
 * equal(formatCarbon(1400), "1.40 kg CO2e");
 * ```
 */
export function formatCarbon(gramsCO2e: number): string {
  if (gramsCO2e === 0) return "0 g CO2e";
  return Math.abs(gramsCO2e) < 1000
    ? `${threeFigures(gramsCO2e)} g CO2e`
    : `${threeFigures(gramsCO2e / 1000)} kg CO2e`;
}

/**
 * The live status line: elapsed time, machine watts now, energy so far.
 *
 * @param elapsedSeconds Since the start.
 * @param record The newest sample.
 * @param machineJoules Machine energy so far.
 * @param jobJoules The job's attributed energy so far.
 * @returns One line without a newline.
 */
export function formatStatusLine(
  elapsedSeconds: number,
  record: SampleRecord,
  machineJoules: number,
  jobJoules: number,
): string {
  const watts = record.devices.reduce((sum, d) => sum + d.powerWatts, 0);
  return `impact: ${formatDuration(elapsedSeconds)}  ${watts.toFixed(1)} W now  ${
    formatEnergy(machineJoules)
  } machine, ${formatEnergy(jobJoules)} job`;
}

/**
 * The summary printed when the run ends.
 *
 * @param summary The run's totals.
 * @param info impact.json (command, sensors).
 * @param logDir Where the log went.
 * @param extraLines Lines from the run's steps (carbon, live intensity), before the log line.
 * @returns Several lines, ending in a newline.
 */
export function formatSummary(
  summary: RunSummary,
  info: RunInfo,
  logDir: string,
  extraLines: string[] = [],
): string {
  const lines: string[] = [];
  const ended = summary.signal
    ? `was ended by ${summary.signal}`
    : summary.exitCode === null
    ? "did not report an exit code"
    : `exited ${summary.exitCode}`;
  lines.push(
    `impact: ${info.command.join(" ")} ${ended} after ${
      formatDuration(summary.jobWallSeconds ?? summary.durationSeconds)
    }`,
  );
  if (summary.components.length === 0) {
    lines.push(
      "  no energy sensor was available: run `impact doctor` to see why and how to fix it",
    );
    for (const s of info.sensors.filter((s) => !s.available && s.sensor !== "procfs")) {
      lines.push(`  ${s.sensor}: ${s.reason ?? "unavailable"}`);
    }
  } else {
    const rows = summary.components.map((c) => [
      c.component,
      c.device,
      c.method,
      formatEnergy(c.machineEnergyJoules),
      formatEnergy(c.attributedEnergyJoules),
    ]);
    rows.unshift(["component", "device", "method", "machine", "job"]);
    rows.push([
      "total",
      "",
      "",
      formatEnergy(summary.totals.machineEnergyJoules),
      formatEnergy(summary.totals.attributedEnergyJoules),
    ]);
    lines.push(...textTable(rows, { indent: "  " }));
    lines.push(
      `  power (machine): mean ${summary.power.meanWatts.toFixed(1)} W, peak ${
        summary.power.peakWatts.toFixed(1)
      } W; job share by ${summary.attribution}`,
    );
  }
  const wholeNode = summary.components.filter((c) => c.component === "node");
  if (wholeNode.length > 0) {
    lines.push(
      `  note: ${
        wholeNode.map((c) => c.device).join(", ")
      } is the whole node's meter: it contains the other rows, so it is not in the total`,
    );
  }
  const estimated = summary.components.filter((c) => c.method === "estimate");
  const generic = info.sensors.find((s) => s.sensor === "estimate" && s.detail?.generic)?.detail;
  if (estimated.length > 0) {
    lines.push(
      `  note: ${estimated.map((c) => `${c.component} ${c.device}`).join(", ")} estimated from ${
        generic ? "a generic per-thread power" : "TDP"
      } x utilisation (no energy counter was readable): ${
        formatEnergy(summary.totals.estimatedEnergyJoules)
      } of the job's energy is an estimate`,
    );
    if (generic) {
      lines.push(
        `  note: the CPU model (${
          String(generic.model ?? "none reported")
        }) is unknown to the TDP table, so a generic ${String(generic.minWattsPerThread)}-${
          String(generic.maxWattsPerThread)
        } W per thread was used (Cloud Carbon Footprint's figure for unknown processors)`,
      );
    }
  }
  // Sensors that found devices they cannot read (RAPL since Linux 5.10): the fix matters.
  const found = summary.components.length > 0;
  for (const s of info.sensors.filter((s) => found && !s.available && s.devices.length > 0)) {
    lines.push(`  ${s.sensor} unavailable: ${s.reason ?? "not found"}`);
  }
  lines.push(...gapLines(summary));
  lines.push(...gpuLines(info));
  // Logs written before gaps were recorded say why sampling stopped this way.
  if (info.samplingError) {
    lines.push(`  sampling stopped early: ${info.samplingError}`);
  }
  lines.push(...extraLines);
  lines.push(`  log: ${logDir}`);
  return lines.join("\n") + "\n";
}

/**
 * What the summary says of the job's GPUs when it matters: a share charged for MIG slices, a
 * mapping that was only a guess, entries that named no GPU, and busy GPUs none of the job's
 * processes was seen on (with the fix).
 *
 * @param info impact.json at the end of the run.
 * @returns Lines starting with two spaces; none when there is nothing to say.
 */
function gpuLines(
  info: Pick<RunInfo, "gpuVisibility" | "unmatchedBusyGpus">,
): string[] {
  const lines: string[] = [];
  const visibility = info.gpuVisibility;
  for (const gpu of visibility?.gpus ?? []) {
    if (gpu.share >= 1 || !gpu.migDevices) continue;
    lines.push(
      `  ${gpu.device}: ${Math.round(gpu.share * 100)}% of its energy is the job's: MIG slice ${
        gpu.migDevices.join(", ")
      } (${gpu.shareBasis ?? "its share"})`,
    );
  }
  if (visibility?.rule === "index-guess") lines.push(`  GPUs: ${visibility.basis}`);
  if (visibility && visibility.unmatched.length > 0) {
    lines.push(
      `  ${visibility.source} names no GPU the sensors see in: ${visibility.unmatched.join("; ")}`,
    );
  }
  for (const gpu of info.unmatchedBusyGpus ?? []) lines.push(`  ${busyGpuNote(gpu)}`);
  return lines;
}

/**
 * The note on a busy GPU that no process of the job was seen on, with the fix.
 *
 * @param gpu The GPU and how busy it was.
 * @returns One sentence.
 * @example
 * ```ts
 * import { match } from "node:assert/strict";
 * import { busyGpuNote } from "./report.ts";
 *
 * const note = busyGpuNote({ device: "gpu-0", uuid: "GPU-5a1c", peakUtilization: 0.97, processIds: [4242] });
 * match(note, /^gpu-0 was busy \(up to 97% utilisation; processes 4242\) but no process of the job/);
 * match(note, /--gpus GPU-5a1c/);
 * ```
 */
export function busyGpuNote(gpu: NonNullable<RunInfo["unmatchedBusyGpus"]>[number]): string {
  const busy = [
    gpu.peakUtilization !== undefined
      ? `up to ${Math.round(gpu.peakUtilization * 100)}% utilisation`
      : undefined,
    gpu.processIds.length > 0 ? `processes ${gpu.processIds.join(", ")}` : "no process list",
  ].filter((x) => x !== undefined).join("; ");
  return `${gpu.device} was busy (${busy}) but no process of the job was seen on it, so none ` +
    `of its energy is the job's. If it was the job's (in a container the driver lists the ` +
    `host's pids; some drivers list no processes), name it: --gpus ${
      gpu.uuid ?? gpu.device.replace("gpu-", "")
    }, or set CUDA_VISIBLE_DEVICES / NVIDIA_VISIBLE_DEVICES`;
}

/**
 * One line per device that was not measured for a while: how long in all, and each stretch
 * from when and why (its energy then is missing from the totals, never guessed).
 *
 * @param summary The run's totals and gaps.
 * @returns Lines starting with two spaces; none when every device was measured throughout.
 * @example A GPU lost for two seconds
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { gapLines } from "./report.ts";
 *
 * const gap = {
 *   component: "gpu" as const,
 *   device: "gpu-1",
 *   from: "2026-01-01T00:00:03.000Z",
 *   to: "2026-01-01T00:00:05.000Z",
 *   seconds: 2,
 *   reason: "GPU is lost (NVML error 15)",
 * };
 * deepEqual(gapLines({ gaps: [gap], durationSeconds: 10 }), [
 *   "  not measured: gpu gpu-1 for 2.0s of 10.0s (its energy then is not in the totals):",
 *   "    from 00:00:03 UTC for 2.0s: GPU is lost (NVML error 15)",
 * ]);
 * ```
 */
export function gapLines(summary: Pick<RunSummary, "gaps" | "durationSeconds">): string[] {
  const byDevice = Map.groupBy(summary.gaps ?? [], (gap) => `${gap.component} ${gap.device}`);
  const lines: string[] = [];
  for (const [device, gaps] of byDevice) {
    lines.push(
      `  not measured: ${device} for ${formatDuration(gapSeconds(gaps))} of ${
        formatDuration(summary.durationSeconds)
      } (its energy then is not in the totals):`,
    );
    for (const gap of gaps) {
      lines.push(
        `    from ${gap.from.slice(11, 19)} UTC for ${formatDuration(gap.seconds)}: ${gap.reason}`,
      );
    }
  }
  return lines;
}

/**
 * The summary's carbon lines: the run's kg CO2e from its attributed energy, PUE and the
 * region's intensity (time-weighted over the live samples, when polled), or why there is none;
 * then how the live polls went.
 *
 * @param summary The run's totals.
 * @param region impact.json's region.
 * @param live What the live samples added up to, when `--live-intensity` polled.
 * @param overridePue The `OVERRIDE_PUE` environment variable, if set.
 * @returns Lines starting with two spaces.
 */
export function carbonSummaryLines(
  summary: Pick<RunSummary, "totals" | "samples">,
  region: RegionInfo | undefined,
  live?: LiveTally,
  overridePue?: string,
): string[] {
  const lines: string[] = [];
  if (region?.live) {
    const { polls, failures, lastFailure } = region.live;
    if (failures > 0) {
      lines.push(
        `  live intensity: ${failures} of ${polls} poll(s) failed${
          lastFailure ? ` (last: ${lastFailure})` : ""
        }; those intervals used the yearly figure`,
      );
    }
  }
  if (!region || (!region.zone && !region.country)) {
    lines.unshift(
      "  carbon: region unknown, so no kg CO2e here (give --zone, --country, --address, " +
        "--cloud or IMPACT_ZONE; `impact statement --country ISO3` charges it later)",
    );
    return lines;
  }
  const where = region.zone ?? region.country!;
  if (!region.intensity) {
    lines.unshift(`  carbon: no grid intensity for ${where}, so no kg CO2e here`);
    return lines;
  }
  let pue;
  try {
    pue = choosePue({
      ...(overridePue !== undefined ? { overridePue } : {}),
      ...(region.cloud?.pue !== undefined ? { cloudPue: region.cloud.pue } : {}),
    });
  } catch (error) {
    lines.unshift(`  carbon: not computed: ${(error as Error).message}`);
    return lines;
  }
  const energyKwh = facilityKwh(summary.totals.attributedEnergyJoules, pue.pue);
  const liveIntervals = live && live.joules > 0
    ? [{
      energyKwh: facilityKwh(live.joules, pue.pue),
      intensityGramsPerKwh: live.gramJoules / live.joules,
      source: live.sources.join(", "),
    }]
    : [];
  const carbon = carbonGrams(energyKwh, region.intensity.gramsPerKwh, liveIntervals);
  const meanIntensity = energyKwh > 0 ? carbon.gramsCO2e / energyKwh : region.intensity.gramsPerKwh;
  const yearly = `${region.intensity.source} ${region.intensity.year}`;
  const intensityWords = live && liveIntervals.length > 0
    ? `${shortFigure(meanIntensity)} gCO2e/kWh time-weighted (live ${
      live.sources.join(", ")
    } for ${live.samples} of ${summary.samples} intervals, otherwise ${
      shortFigure(region.intensity.gramsPerKwh)
    } from ${yearly})`
    : `${shortFigure(region.intensity.gramsPerKwh)} gCO2e/kWh (${yearly})`;
  lines.unshift(
    `  carbon: ${formatCarbon(carbon.gramsCO2e)} = ${
      formatEnergy(energyKwh * JOULES_PER_KWH)
    } (job x PUE ${pue.pue}, ${pue.source}) x ${intensityWords}; zone ${region.intensity.zone} from ${region.source}`,
  );
  return lines;
}

/**
 * The note on processes the command left running outside its tree.
 *
 * @param escaped What impact.json records of them.
 * @returns One sentence naming the first few.
 */
export function escapedNote(escaped: NonNullable<RunInfo["escapedProcesses"]>): string {
  const named = escaped.processes.slice(0, 3).map((p) => `pid ${p.pid}: ${p.command}`);
  const more = escaped.count > named.length ? `, and ${escaped.count - named.length} more` : "";
  const one = escaped.count === 1;
  return `${escaped.count} process${one ? "" : "es"} the command started ${
    one ? "is" : "are"
  } still running outside its process tree (${named.join("; ")}${more}), e.g. a daemon: ` +
    `impact did not count ${one ? "its" : "their"} CPU time after ${
      one ? "it" : "they"
    } left the tree (listed in impact.json: escapedProcesses)`;
}

/**
 * The note on a sensor that asked to be read more often than the sampler's floor.
 *
 * @param floor What the sampler recorded.
 * @returns One sentence.
 */
export function intervalFloorNote(floor: IntervalFloor): string {
  return `${floor.sensor} asks to be read every ${floor.askedMs} ms; impact reads no more ` +
    `often than every ${floor.floorMs} ms, so ${floor.sensor}'s figures may miss what happens ` +
    "between reads (impact.json: options.intervalFloor)";
}

/**
 * The note on an interval shortened so that no counter wraps unseen, if it was.
 *
 * @param askedMs The interval asked for, ms.
 * @param usedMs The interval the sampler chose, ms.
 * @param sensors The sensors read (those that asked for less than `askedMs` are named).
 * @returns One sentence, or undefined when the interval is the one asked for.
 */
export function shortenedIntervalNote(
  askedMs: number,
  usedMs: number,
  sensors: Pick<EnergySensor, "name" | "maxReadIntervalMs">[],
): string | undefined {
  if (usedMs >= askedMs) return undefined;
  const limits = sensors.filter((s) => (s.maxReadIntervalMs?.() ?? Infinity) < askedMs);
  return `sampling every ${usedMs / 1000} s, not the ${askedMs / 1000} s asked: a ` +
    `${limits.map((s) => s.name).join(", ")} counter could wrap unseen between slower reads`;
}

/**
 * What `impact summary` prints from {@link LogsFigures}: totals, a per-run table, a merged
 * SLURM job's per-node table, notes and warnings; or the same figures as JSON. The command
 * (lib/cli/commands/summary.ts) loads this module only when it runs, so the accounting it
 * reads stays off the CLI's start-up.
 *
 * @module
 */
import { relative } from "node:path";
import { formatIntensity, gapList, proseDuration, shortFigure, textTable } from "./plain_text.ts";
import { measuredFraction } from "../accounting/figures.ts";
import { gapSeconds, groupGaps } from "../accounting/gaps.ts";
import type { LogsFigures, RunFigures } from "../accounting/types.ts";
import type { MergedJobFigures } from "../accounting/merge_nodes.ts";

/**
 * The text `impact summary` prints.
 *
 * @param logs The figures.
 * @param cwd Paths are shown relative to this folder.
 * @returns Totals, the per-run table, notes and warnings.
 */
export function summaryText(logs: LogsFigures, cwd: string): string {
  const t = logs.total;
  const measuredPercent = measuredFraction(logs.runs) * 100;
  const pues = [...new Set(logs.runs.map((r) => r.pue))];
  const lines = [
    `${t.runs} run${t.runs === 1 ? "" : "s"}: ${shortFigure(t.energyKwh)} kWh (PUE ${
      pues.map(shortFigure).join(", ")
    }), ${shortFigure(t.kgCO2e)} kg CO2e, ${shortFigure(t.hours)} h (CPU ${
      shortFigure(t.cpuHours)
    } h, GPU ${shortFigure(t.gpuHours)} h)`,
    `Measured ${shortFigure(t.measuredEnergyKwh)} kWh (${
      shortFigure(measuredPercent)
    }%), estimated ${
      shortFigure(t.estimatedEnergyKwh)
    } kWh; ${t.runsWithoutCpuCounter} run(s) without a readable CPU energy counter`,
    "",
  ];
  // The column appears only when some device went unmeasured: complete sets read as before.
  const gaps = t.runsWithGaps > 0;
  const rows = [[
    "run",
    "start",
    "hours",
    "kWh",
    "kg CO2e",
    "zone",
    "gCO2e/kWh",
    "PUE",
    "measured",
    ...(gaps ? ["not measured"] : []),
  ]];
  for (const run of logs.runs) rows.push([...runRow(run, cwd), ...(gaps ? [gapCell(run)] : [])]);
  let text = lines.join("\n") + "\n" + textTable(rows).join("\n") + "\n";
  if (gaps) {
    text += `\n${t.runsWithGaps} of ${t.runs} run${t.runs === 1 ? " has" : "s have"} ` +
      `unmeasured devices: ${gapList(groupGaps(logs.runs))}. ` +
      "Their energy in those stretches is in no figure above.\n";
  }
  for (const run of logs.runs) if (isMergedJob(run)) text += "\n" + nodeDetail(run, cwd);
  const notes = logs.runs.filter((r) => r.notes.length > 0);
  if (notes.length > 0) {
    text += "\nNotes:\n" +
      notes.map((r) => `- ${relative(cwd, r.dir) || "."}: ${r.notes.join("; ")}`).join("\n") + "\n";
  }
  if (logs.warnings.length > 0) {
    text += `\nWarnings (${logs.warnings.length}):\n` +
      logs.warnings.map((w) => `- ${w}`).join("\n") + "\n";
  }
  return text;
}

function isMergedJob(run: RunFigures): run is MergedJobFigures {
  return Array.isArray((run as Partial<MergedJobFigures>).nodes);
}

/** A merged SLURM job's per-node table. */
function nodeDetail(job: MergedJobFigures, cwd: string): string {
  const rows = [["node", "tasks", "kWh", "kg CO2e", "CPU h", "GPU h", "sampled by"]];
  for (const node of job.nodes) {
    rows.push([
      node.node,
      node.taskRanks.join(",") || "-",
      shortFigure(node.energyKwh),
      shortFigure(node.kgCO2e),
      shortFigure(node.cpuHours),
      shortFigure(node.gpuHours),
      node.samplerDir ? relative(cwd, node.samplerDir) || "." : "nobody (energy missing)",
    ]);
  }
  const tasks = job.nodes.reduce((s, n) => s + n.dirs.length, 0);
  return `SLURM job ${job.jobId}: ${job.nodes.length} node(s), ${tasks} log(s)\n` +
    textTable(rows).join("\n") + "\n";
}

/** The run's marker: which device (or how many) went unmeasured, and for how long in all. */
function gapCell(run: RunFigures): string {
  if (run.gaps.length === 0) return "";
  const devices = new Set(run.gaps.map((g) => g.device));
  const seconds = proseDuration(gapSeconds(run.gaps));
  return devices.size === 1
    ? `${[...devices][0]} ${seconds}`
    : `${devices.size} devices, ${seconds} in all`;
}

function runRow(run: RunFigures, cwd: string): string[] {
  const name = isMergedJob(run) ? `job ${run.jobId} (${run.nodes.length} nodes)` : undefined;
  const measured = measuredFraction([run]) * 100;
  return [
    name ?? (relative(cwd, run.dir) || "."),
    run.summary.start.slice(0, 16).replace("T", " "),
    shortFigure(run.hours),
    shortFigure(run.energyKwh),
    shortFigure(run.kgCO2e),
    run.zone ?? "unknown",
    formatIntensity(run.intensityGramsPerKwh),
    shortFigure(run.pue),
    `${shortFigure(measured)}%`,
  ];
}

/**
 * The JSON `impact summary --json` prints: totals (with `runsWithGaps` and
 * `unmeasuredDeviceHours`), runs (without their raw records; each with its `gaps`) and warnings.
 *
 * @param logs The figures.
 * @returns A plain value.
 */
export function summaryJson(logs: LogsFigures): unknown {
  return {
    total: logs.total,
    runs: logs.runs.map(({ info, summary, ...run }) => ({
      ...run,
      start: summary.start,
      end: summary.end,
      command: info.command,
      recomputed: summary.recomputed === true,
    })),
    warnings: logs.warnings,
  };
}

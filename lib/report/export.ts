/**
 * Exports run figures as CodeCarbon's `emissions.csv` (so tools built for CodeCarbon read our
 * runs) or as our own CSV / JSON Lines rows.
 *
 * CodeCarbon's units: energy kWh, emissions kg CO2e, power W, `emissions_rate` kg/s,
 * `ram_total_size` GB, `duration` s. Energies here are facility energies (x PUE), so
 * `cpu_energy + gpu_energy + ram_energy` is `energy_consumed` and `emissions` is
 * `energy_consumed` x intensity, as in CodeCarbon; powers are the devices' own (before PUE),
 * as CodeCarbon's are. Every figure is computed from the summary's joules over the window they
 * cover (`durationSeconds`), never from the figures rounded for sums. Figures we do not know
 * (water, Python, the machine's memory use) are left empty rather than invented.
 *
 * Our own columns carry the device-seconds a run did not measure and which devices, for how
 * long and why (`unmeasured_device_seconds`, `unmeasured_devices`): the energy of those
 * stretches is in no figure. CodeCarbon's columns have no place for it; its rows are unchanged.
 *
 * An export can continue an existing file ({@link appendRuns}): rows go under its header, in
 * its column order, and a file with other columns is refused, as CodeCarbon appends to its
 * `emissions.csv`.
 *
 * @module
 */
import type { LogsFigures, RunFigures } from "../accounting/types.ts";
import type { GpuInfo } from "../types.ts";
import { JOULES_PER_KWH } from "../accounting/energy.ts";
import { exactEnergy } from "../accounting/figures.ts";
import { gapSeconds, groupGaps } from "../accounting/gaps.ts";
import { type CsvCell, formatCsv, parseCsv } from "../csv.ts";
import { countryName } from "../geo/country_names.ts";
import { countryOfZone } from "../geo/intensity.ts";

/** Export formats. */
export type ExportFormat = "codecarbon" | "csv" | "jsonl";

/** CodeCarbon 3.x `emissions.csv` columns, in its order. */
export const CODECARBON_COLUMNS = [
  "timestamp",
  "project_name",
  "run_id",
  "experiment_id",
  "duration",
  "emissions",
  "emissions_rate",
  "cpu_power",
  "gpu_power",
  "ram_power",
  "cpu_energy",
  "gpu_energy",
  "ram_energy",
  "energy_consumed",
  "water_consumed",
  "country_name",
  "country_iso_code",
  "region",
  "cloud_provider",
  "cloud_region",
  "os",
  "python_version",
  "codecarbon_version",
  "cpu_count",
  "cpu_model",
  "gpu_count",
  "gpu_model",
  "longitude",
  "latitude",
  "ram_total_size",
  "tracking_mode",
  "cpu_utilization_percent",
  "gpu_utilization_percent",
  "ram_utilization_percent",
  "ram_used_gb",
  "on_cloud",
  "pue",
  "wue",
] as const;

/** Our own export columns. */
export const IMPACT_COLUMNS = [
  "dir",
  "start",
  "end",
  "duration_seconds",
  "exit_code",
  "host",
  "slurm_job",
  "slurm_step",
  "slurm_node",
  "task_rank",
  "attribution",
  "energy_kwh",
  "it_energy_kwh",
  "cpu_kwh",
  "dram_kwh",
  "gpu_kwh",
  "psys_kwh",
  "measured_kwh",
  "estimated_kwh",
  "kg_co2e",
  "intensity_grams_per_kwh",
  "intensity_source",
  "zone",
  "pue",
  "cpu_hours",
  "gpu_hours",
  "unmeasured_device_seconds",
  "unmeasured_devices",
  "notes",
] as const;

function gpuModel(gpus: GpuInfo[]): string | undefined {
  if (gpus.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const g of gpus) counts.set(g.name, (counts.get(g.name) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${n} x ${name}`).join(", ");
}

function isoSeconds(iso: string): string {
  // CodeCarbon writes "%Y-%m-%dT%H:%M:%S"; ours is UTC.
  return iso.replace(/\.\d+/, "").replace(/Z$/, "");
}

/**
 * One run as a CodeCarbon `emissions.csv` row.
 *
 * @param run The run's figures (from `readLogs`).
 * @returns The row, keyed by {@link CODECARBON_COLUMNS}.
 */
export function codecarbonRow(run: RunFigures): Record<string, CsvCell> {
  const { info, summary } = run;
  const exact = exactEnergy(summary, run.pue);
  const kgCO2e = (exact.energyKwh * run.intensityGramsPerKwh) / 1000;
  const seconds = summary.durationSeconds;
  const watts = (joules: number) => (seconds > 0 ? joules / seconds : 0);
  const region = info.region;
  // A run given a zone alone records no country; the zone's country is the one it was charged in.
  const country = region?.country ?? (run.zone ? countryOfZone(run.zone) : undefined);
  const used = info.gpus.filter((g) => g.usedByJob !== false);
  const os = [info.host.os, info.host.kernel, info.host.arch].filter(Boolean).join("-");
  return {
    timestamp: isoSeconds(summary.end),
    project_name: info.labels["project"] ?? "impact",
    run_id: run.dir,
    experiment_id: info.slurm?.jobId ?? info.labels["experiment"],
    duration: seconds,
    emissions: kgCO2e,
    emissions_rate: seconds > 0 ? kgCO2e / seconds : 0,
    cpu_power: watts(exact.componentJoules.cpu),
    gpu_power: watts(exact.componentJoules.gpu),
    ram_power: watts(exact.componentJoules.dram),
    cpu_energy: exact.componentKwh.cpu,
    gpu_energy: exact.componentKwh.gpu,
    ram_energy: exact.componentKwh.dram,
    energy_consumed: exact.energyKwh,
    water_consumed: undefined,
    country_name: country ? countryName(country) : undefined,
    country_iso_code: country,
    region: region?.zone,
    cloud_provider: region?.cloud?.provider,
    cloud_region: region?.cloud?.region,
    os,
    python_version: undefined,
    codecarbon_version: undefined,
    cpu_count: info.cpu.threads,
    cpu_model: info.cpu.model,
    gpu_count: used.length,
    gpu_model: gpuModel(used),
    longitude: region?.longitude,
    latitude: region?.latitude,
    ram_total_size: info.cpu.memoryTotalBytes === undefined
      ? undefined
      : info.cpu.memoryTotalBytes / 1024 ** 3,
    tracking_mode: info.attribution === "whole-machine" ? "machine" : "process",
    cpu_utilization_percent: run.utilization?.cpuPercent,
    gpu_utilization_percent: run.utilization?.gpuPercent,
    // CodeCarbon's are the whole machine's memory; we keep the job's only.
    ram_utilization_percent: undefined,
    ram_used_gb: undefined,
    on_cloud: region?.cloud ? "Y" : "N",
    pue: run.pue,
    wue: undefined,
  };
}

/**
 * One run as a row of our own columns.
 *
 * @param run The run's figures.
 * @returns The row, keyed by {@link IMPACT_COLUMNS}.
 */
export function impactRow(run: RunFigures): Record<string, CsvCell> {
  const { info, summary } = run;
  const exact = exactEnergy(summary, run.pue);
  return {
    dir: run.dir,
    start: summary.start,
    end: summary.end,
    duration_seconds: summary.durationSeconds,
    exit_code: summary.exitCode ?? undefined,
    host: info.host.hostname,
    slurm_job: info.slurm?.jobId,
    slurm_step: info.slurm?.stepId,
    slurm_node: info.slurm?.node,
    task_rank: info.slurm?.taskRank,
    attribution: info.attribution,
    energy_kwh: exact.energyKwh,
    it_energy_kwh: summary.totals.attributedEnergyJoules / JOULES_PER_KWH,
    cpu_kwh: exact.componentKwh.cpu,
    dram_kwh: exact.componentKwh.dram,
    gpu_kwh: exact.componentKwh.gpu,
    psys_kwh: exact.componentKwh.psys,
    measured_kwh: exact.measuredEnergyKwh,
    estimated_kwh: exact.estimatedEnergyKwh,
    kg_co2e: (exact.energyKwh * run.intensityGramsPerKwh) / 1000,
    intensity_grams_per_kwh: run.intensityGramsPerKwh,
    intensity_source: run.intensitySource,
    zone: run.zone,
    pue: run.pue,
    cpu_hours: summary.cpuSeconds / 3600,
    gpu_hours: summary.gpuSeconds / 3600,
    unmeasured_device_seconds: gapSeconds(run.gaps),
    unmeasured_devices: run.gaps.length > 0
      ? groupGaps([run]).map((g) => `${g.device} ${g.seconds} s (${g.reason})`).join("; ")
      : undefined,
    notes: run.notes.length > 0 ? run.notes.join("; ") : undefined,
  };
}

/**
 * Exports every run of a read as text.
 *
 * @param figures What `readLogs` returned.
 * @param format `codecarbon`, `csv` or `jsonl`.
 * @returns The file's content.
 */
export function exportRuns(figures: LogsFigures, format: ExportFormat): string {
  switch (format) {
    case "codecarbon":
      return formatCsv(CODECARBON_COLUMNS, figures.runs.map(codecarbonRow));
    case "csv":
      return formatCsv(IMPACT_COLUMNS, figures.runs.map(impactRow));
    case "jsonl":
      return figures.runs.map((run) => jsonLine(impactRow(run))).join("");
  }
}

function jsonLine(row: Record<string, CsvCell>): string {
  const clean = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));
  return JSON.stringify(clean) + "\n";
}

/** An existing file the export cannot continue: other columns, or not the format's kind. */
export class ExportAppendError extends Error {
  /** @param message What differs, naming the columns. */
  constructor(message: string) {
    super(message);
    this.name = "ExportAppendError";
  }
}

/**
 * The text that continues an existing export file with every run of a read: CSV rows under
 * the file's header, in its column order (without a header of their own), or JSON lines.
 *
 * @param figures What `readLogs` returned.
 * @param format `codecarbon`, `csv` or `jsonl`.
 * @param firstLine The file's first line, without its line end.
 * @returns The text to append (a file not ending in a newline needs one first).
 * @throws {ExportAppendError} When the header has other columns (naming those missing from the
 *   file and those the export does not have), or a JSON Lines file does not start with an object.
 * @example A file with another column is refused, naming it
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { appendRuns, CODECARBON_COLUMNS } from "./export.ts";
 *
 * const none = { runs: [], total: {} as never, warnings: [] };
 * const header = [...CODECARBON_COLUMNS, "my_column"].join(",");
 * throws(() => appendRuns(none, "codecarbon", header), /not in this export: my_column/);
 * ```
 */
export function appendRuns(figures: LogsFigures, format: ExportFormat, firstLine: string): string {
  if (format === "jsonl") {
    let first: unknown;
    try {
      first = JSON.parse(firstLine);
    } catch {
      first = undefined;
    }
    if (typeof first !== "object" || first === null || Array.isArray(first)) {
      throw new ExportAppendError("its first line is not a JSON object (not a JSON Lines file)");
    }
    return exportRuns(figures, format);
  }
  const columns: readonly string[] = format === "codecarbon" ? CODECARBON_COLUMNS : IMPACT_COLUMNS;
  const header = parseCsv(firstLine)[0]?.fields ?? [];
  const extra = header.filter((c) => !columns.includes(c));
  const missing = columns.filter((c) => !header.includes(c));
  if (extra.length > 0 || missing.length > 0 || header.length !== columns.length) {
    const parts = [
      extra.length > 0 ? `not in this export: ${extra.join(", ")}` : "",
      missing.length > 0 ? `missing from the file: ${missing.join(", ")}` : "",
      extra.length + missing.length === 0 ? "a column is named twice" : "",
    ].filter(Boolean);
    throw new ExportAppendError(
      `its columns are not those of the ${format} export (${parts.join("; ")})`,
    );
  }
  const rows = figures.runs.map(format === "codecarbon" ? codecarbonRow : impactRow);
  const text = formatCsv(header, rows);
  // Without the header formatCsv writes first (column names hold no line breaks).
  return text.slice(text.indexOf("\n") + 1);
}

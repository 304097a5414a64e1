/**
 * Exports run figures as CodeCarbon's `emissions.csv` (so tools built for CodeCarbon read our
 * runs) or as our own CSV / JSON Lines rows.
 *
 * CodeCarbon's units: energy kWh, emissions kg CO2e, power W, `emissions_rate` kg/s,
 * `ram_total_size` GB, `duration` s. Energies here are facility energies (x PUE), so
 * `cpu_energy + gpu_energy + ram_energy` is `energy_consumed` and `emissions` is
 * `energy_consumed` x intensity, as in CodeCarbon. Figures we do not measure (water, Python,
 * utilisation percentages) are left empty rather than invented.
 *
 * @module
 */
import type { LogsFigures, RunFigures } from "../accounting/types.ts";
import type { GpuInfo } from "../types.ts";
import { JOULES_PER_KWH } from "../accounting/energy.ts";
import { type CsvCell, formatCsv } from "../csv.ts";

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
  const seconds = summary.durationSeconds;
  const watts = (kwh: number) => (seconds > 0 ? (kwh * JOULES_PER_KWH) / seconds : 0);
  const region = info.region;
  const used = info.gpus.filter((g) => g.usedByJob !== false);
  const os = [info.host.os, info.host.kernel, info.host.arch].filter(Boolean).join("-");
  return {
    timestamp: isoSeconds(summary.end),
    project_name: info.labels["project"] ?? "impact",
    run_id: run.dir,
    experiment_id: info.slurm?.jobId ?? info.labels["experiment"],
    duration: seconds,
    emissions: run.kgCO2e,
    emissions_rate: seconds > 0 ? run.kgCO2e / seconds : 0,
    cpu_power: watts(run.componentKwh.cpu),
    gpu_power: watts(run.componentKwh.gpu),
    ram_power: watts(run.componentKwh.dram),
    cpu_energy: run.componentKwh.cpu,
    gpu_energy: run.componentKwh.gpu,
    ram_energy: run.componentKwh.dram,
    energy_consumed: run.energyKwh,
    water_consumed: undefined,
    country_name: undefined,
    country_iso_code: region?.country,
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
    cpu_utilization_percent: undefined,
    gpu_utilization_percent: undefined,
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
    energy_kwh: run.energyKwh,
    it_energy_kwh: run.itEnergyKwh,
    cpu_kwh: run.componentKwh.cpu,
    dram_kwh: run.componentKwh.dram,
    gpu_kwh: run.componentKwh.gpu,
    psys_kwh: run.componentKwh.psys,
    measured_kwh: run.measuredEnergyKwh,
    estimated_kwh: run.estimatedEnergyKwh,
    kg_co2e: run.kgCO2e,
    intensity_grams_per_kwh: run.intensityGramsPerKwh,
    intensity_source: run.intensitySource,
    zone: run.zone,
    pue: run.pue,
    cpu_hours: run.cpuHours,
    gpu_hours: run.gpuHours,
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
      return figures.runs.map((run) => {
        const row = impactRow(run);
        const clean = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));
        return JSON.stringify(clean) + "\n";
      }).join("");
  }
}

/**
 * The metrics an appendix can summarise and plot, with experiment-impact-tracker's names as
 * aliases, and any `--label` value of a run.
 *
 * @module
 */
import type { RunFigures } from "../../accounting/types.ts";

/** A metric the appendix knows. */
export interface Metric {
  /** Canonical name, e.g. `energy_kwh`. */
  key: string;
  /** Column heading. */
  label: string;
  /** Unit shown beside values ("" for label values). */
  unit: string;
  /** The run's value; undefined when the run has none (a missing label). */
  value(run: RunFigures, options: MetricOptions): number | undefined;
}

/** What some metrics need beyond the run's figures. */
export interface MetricOptions {
  /** Social cost of carbon, 2005 US$ per tonne CO2e; social cost is undefined without it. */
  socialCostUsdPerTonne?: number;
}

const BUILTIN: Metric[] = [
  { key: "energy_kwh", label: "Total energy", unit: "kWh", value: (r) => r.energyKwh },
  { key: "cpu_kwh", label: "CPU energy", unit: "kWh", value: (r) => r.componentKwh.cpu },
  { key: "gpu_kwh", label: "GPU energy", unit: "kWh", value: (r) => r.componentKwh.gpu },
  { key: "dram_kwh", label: "DRAM energy", unit: "kWh", value: (r) => r.componentKwh.dram },
  { key: "hours", label: "Duration", unit: "h", value: (r) => r.hours },
  { key: "cpu_hours", label: "CPU hours", unit: "h", value: (r) => r.cpuHours },
  { key: "gpu_hours", label: "GPU hours", unit: "h", value: (r) => r.gpuHours },
  { key: "kg_co2e", label: "Carbon", unit: "kg CO2e", value: (r) => r.kgCO2e },
  {
    key: "unmeasured_device_hours",
    label: "Not measured",
    unit: "device-h",
    value: (r) => r.unmeasuredDeviceHours,
  },
  {
    key: "social_cost_usd",
    label: "Social cost",
    unit: "2005 US$",
    value: (r, o) =>
      o.socialCostUsdPerTonne === undefined ? undefined : r.kgCO2e / 1000 * o.socialCostUsdPerTonne,
  },
  {
    key: "mean_power_watts",
    label: "Mean power",
    unit: "W",
    value: (r) => r.summary.power.meanWatts,
  },
  {
    key: "peak_power_watts",
    label: "Peak power",
    unit: "W",
    value: (r) => r.summary.power.peakWatts,
  },
];

/** experiment-impact-tracker's metric names and the metric each means here. */
const METRIC_ALIASES: Readonly<Record<string, string>> = {
  total_power: "energy_kwh",
  exp_len_hours: "hours",
  cpu_hours: "cpu_hours",
  gpu_hours: "gpu_hours",
  estimated_carbon_impact_kg: "kg_co2e",
  kw_hr_cpu: "cpu_kwh",
  kw_hr_gpu: "gpu_kwh",
  kw_hr_dram: "dram_kwh",
};

const byKey = new Map(BUILTIN.map((m) => [m.key, m]));

/**
 * Resolves a metric name from a spec: a canonical name, an alias, `label:NAME`, or else the
 * name of a run label.
 *
 * @param name The name as written.
 * @returns The metric.
 */
export function resolveMetric(name: string): Metric {
  const builtin = byKey.get(METRIC_ALIASES[name] ?? name);
  if (builtin) return builtin;
  const labelName = name.startsWith("label:") ? name.slice("label:".length) : name;
  return {
    key: `label:${labelName}`,
    label: labelName,
    unit: "",
    value(run) {
      const text = run.info.labels[labelName];
      if (text === undefined || text.trim() === "") return undefined;
      const number = Number(text);
      return Number.isFinite(number) ? number : undefined;
    },
  };
}

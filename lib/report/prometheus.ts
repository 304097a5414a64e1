/**
 * Prometheus text exposition (format 0.0.4) of a run's running totals: energy counters in
 * joules per component and device, power gauges, carbon grams, labelled with host, the SLURM
 * job (`slurm_job_id`, `slurm_step_id`, `slurm_node`, `slurm_task_rank`) and the user's
 * `--label`s. No label is named `job` or `instance`: Prometheus sets those on every target.
 *
 * Pure: samples go in through {@link createMetricsTotals}, text comes out of
 * {@link renderMetrics}; `metrics_server.ts` serves it.
 *
 * @module
 */
import type { DeviceSample, SampleRecord, SlurmInfo } from "../log/schema.ts";
import { facilityKwh } from "../accounting/energy.ts";

/** The content type Prometheus expects for the text format. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One sample of a metric family. */
export interface MetricSample {
  labels: Record<string, string>;
  value: number;
}

/** A metric family: one HELP, one TYPE, many labelled samples. */
export interface MetricFamily {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: MetricSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Escapes a label value: backslash, double quote and line feed.
 *
 * @param value The raw value.
 * @returns The value as it goes between the quotes.
 */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/**
 * Turns a user's label name into a valid Prometheus label name (`team-a` -> `team_a`).
 *
 * @param name The name given with `--label`.
 * @returns A name matching `[a-zA-Z_][a-zA-Z0-9_]*`.
 * @throws When the name is empty or uses the reserved `__` prefix.
 */
export function sanitizeLabelName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]/g, "_");
  if (/^[0-9]/.test(out)) out = `_${out}`;
  if (out === "" || out.startsWith("__")) {
    throw new Error(`label name "${name}" is empty or uses the reserved "__" prefix`);
  }
  return out;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/**
 * Renders metric families in the text exposition format.
 *
 * @param families The families; names must be valid and counters end in `_total`.
 * @returns The text, ending with a line feed.
 */
export function renderExposition(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`invalid metric name "${family.name}"`);
    if (family.type === "counter" && !family.name.endsWith("_total")) {
      throw new Error(`counter "${family.name}" must end in _total`);
    }
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels).map(([k, v]) => {
        if (!LABEL.test(k) || k.startsWith("__")) throw new Error(`invalid label name "${k}"`);
        return `${k}="${escapeLabelValue(v)}"`;
      });
      const set = labels.length > 0 ? `{${labels.join(",")}}` : "";
      lines.push(`${family.name}${set} ${formatValue(sample.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** One device's running totals: energies summed over the run, power of the latest interval. */
export type DeviceTotals = Pick<
  DeviceSample,
  | "component"
  | "device"
  | "method"
  | "machineEnergyJoules"
  | "attributedEnergyJoules"
  | "powerWatts"
>;

/** A run's running totals, as the metrics endpoint shows them. */
export interface MetricsTotals {
  devices: Map<string, DeviceTotals>;
  /** Attributed facility energy times the intensity in force, grams CO2e. */
  carbonGrams: number;
  cpuSeconds: number;
  samples: number;
  /** Seconds covered by the samples so far. */
  durationSeconds: number;
  /** Adds one interval's record. */
  add(sample: SampleRecord): void;
}

/** How carbon is counted while the run goes on. */
export interface CarbonOptions {
  /** Grid intensity when a sample carries none, gCO2e/kWh. */
  intensityGramsPerKwh?: number;
  /** Power usage effectiveness of the facility (default 1). */
  pue?: number;
}

/**
 * Running totals fed one sample at a time.
 *
 * @param carbon Intensity and PUE for the carbon counter.
 * @returns Empty totals with an `add` method.
 */
export function createMetricsTotals(carbon: CarbonOptions = {}): MetricsTotals {
  const pue = carbon.pue ?? 1;
  const totals: MetricsTotals = {
    devices: new Map(),
    carbonGrams: 0,
    cpuSeconds: 0,
    samples: 0,
    durationSeconds: 0,
    add(sample) {
      let joules = 0;
      for (const d of sample.devices) {
        const key = `${d.component}\u0000${d.device}`;
        const entry = totals.devices.get(key) ?? {
          component: d.component,
          device: d.device,
          method: d.method,
          machineEnergyJoules: 0,
          attributedEnergyJoules: 0,
          powerWatts: 0,
        };
        entry.machineEnergyJoules += d.machineEnergyJoules;
        entry.attributedEnergyJoules += d.attributedEnergyJoules;
        entry.powerWatts = d.powerWatts;
        entry.method = d.method;
        totals.devices.set(key, entry);
        joules += d.attributedEnergyJoules;
      }
      const intensity = sample.intensity?.gramsPerKwh ?? carbon.intensityGramsPerKwh;
      if (intensity !== undefined) totals.carbonGrams += facilityKwh(joules, pue) * intensity;
      totals.cpuSeconds += sample.cpu.jobCpuSeconds;
      totals.durationSeconds += sample.intervalSeconds;
      totals.samples++;
    },
  };
  return totals;
}

/**
 * The metric families of a run's totals.
 *
 * @param totals The running totals.
 * @param labels Labels on every sample: `host`, `slurm_job_id`, ... and the user's (already
 *   sanitised; see {@link metricsLabels}).
 * @returns Families ready for {@link renderExposition}.
 */
export function impactMetricFamilies(
  totals: MetricsTotals,
  labels: Record<string, string>,
): MetricFamily[] {
  const devices = [...totals.devices.values()].sort((a, b) =>
    a.component === b.component
      ? a.device.localeCompare(b.device)
      : a.component.localeCompare(b.component)
  );
  const per = (value: (d: DeviceTotals) => number, withMethod: boolean) =>
    devices.map((d) => ({
      labels: {
        ...labels,
        component: d.component,
        device: d.device,
        ...(withMethod ? { method: d.method } : {}),
      },
      value: value(d),
    }));
  return [
    {
      name: "impact_energy_joules_total",
      help: "Energy attributed to the job, joules, per component and device (before PUE).",
      type: "counter",
      samples: per((d) => d.attributedEnergyJoules, true),
    },
    {
      name: "impact_machine_energy_joules_total",
      help:
        'Energy of the whole device, joules, whoever used it; component="node" is a whole-node meter that contains the others (never add it to them).',
      type: "counter",
      samples: per((d) => d.machineEnergyJoules, true),
    },
    {
      name: "impact_power_watts",
      help: "Mean power of the whole device over the latest sampling interval, watts.",
      type: "gauge",
      samples: per((d) => d.powerWatts, false),
    },
    {
      name: "impact_carbon_grams_total",
      help: "Carbon attributed to the job, grams CO2e (facility energy x grid intensity).",
      type: "counter",
      samples: [{ labels: { ...labels }, value: totals.carbonGrams }],
    },
    {
      name: "impact_cpu_seconds_total",
      help: "CPU time used by the job's processes, seconds.",
      type: "counter",
      samples: [{ labels: { ...labels }, value: totals.cpuSeconds }],
    },
    {
      name: "impact_samples_total",
      help: "Sampling intervals recorded so far.",
      type: "counter",
      samples: [{ labels: { ...labels }, value: totals.samples }],
    },
  ];
}

/**
 * Renders a run's totals as exposition text.
 *
 * @param totals The running totals.
 * @param labels Labels on every sample.
 * @returns The `/metrics` body.
 */
export function renderMetrics(totals: MetricsTotals, labels: Record<string, string>): string {
  return renderExposition(impactMetricFamilies(totals, labels));
}

/** Label names Prometheus attaches to every scraped target; ours must not take them. */
const TARGET_LABELS = new Set(["job", "instance"]);

/**
 * The labels on every sample of a run: `host`, the SLURM task's `slurm_*` labels and the
 * user's `--label`s (sanitised; a user label named `job` or `instance` becomes `label_job`,
 * `label_instance`, so it does not collide with Prometheus' target labels).
 *
 * @param host The host name.
 * @param slurm The task's SLURM info, if any.
 * @param userLabels The `--label` pairs.
 * @returns Label names and values.
 */
export function metricsLabels(
  host: string,
  slurm: SlurmInfo | undefined,
  userLabels: Record<string, string>,
): Record<string, string> {
  const labels: Record<string, string> = { host };
  if (slurm?.jobId !== undefined) labels.slurm_job_id = slurm.jobId;
  if (slurm?.stepId !== undefined) labels.slurm_step_id = slurm.stepId;
  if (slurm?.node !== undefined) labels.slurm_node = slurm.node;
  if (slurm?.taskRank !== undefined) labels.slurm_task_rank = String(slurm.taskRank);
  for (const [name, value] of Object.entries(userLabels)) {
    let key = sanitizeLabelName(name);
    if (TARGET_LABELS.has(key) || key in labels) key = `label_${key}`;
    labels[key] = value;
  }
  return labels;
}

/**
 * The plots of one run's page: power per component and device, utilisation, memory, each
 * built from samples.jsonl records.
 *
 * @module
 */
import type { SampleRecord } from "../../log/schema.ts";
import { linePlotHtml, type LineSeries } from "../plots/line_plot.ts";

/** The HTML figures of a run page, absent when the samples hold no such data. */
export interface RunPlots {
  power?: string;
  utilization?: string;
  memory?: string;
}

class SeriesSet {
  readonly byName = new Map<string, LineSeries>();
  add(name: string, seconds: number, value: number): void {
    let s = this.byName.get(name);
    if (!s) {
      s = { name, seconds: [], values: [] };
      this.byName.set(name, s);
    }
    s.seconds.push(seconds);
    s.values.push(value);
  }
  get list(): LineSeries[] {
    return [...this.byName.values()];
  }
}

/**
 * Builds the series of a run's plots from its samples.
 *
 * @param samples The run's records, in time order.
 * @param startMs The run's start, ms since the epoch (x = 0).
 * @returns The series per plot, keyed by device (`cpu package-0`, `gpu gpu-1`, ...).
 */
export function runSeries(
  samples: readonly SampleRecord[],
  startMs: number,
): { power: LineSeries[]; utilization: LineSeries[]; memory: LineSeries[] } {
  const power = new SeriesSet();
  const utilization = new SeriesSet();
  const memory = new SeriesSet();
  for (const sample of samples) {
    const seconds = (Date.parse(sample.t) - startMs) / 1000;
    if (!Number.isFinite(seconds)) continue;
    for (const d of sample.devices) {
      const name = d.device.startsWith(d.component) ? d.device : `${d.component} ${d.device}`;
      power.add(name, seconds, d.powerWatts);
      if (d.utilization !== undefined) utilization.add(name, seconds, d.utilization * 100);
      if (d.memoryUsedBytes !== undefined) memory.add(name, seconds, d.memoryUsedBytes / 2 ** 30);
    }
    utilization.add("machine CPU", seconds, sample.cpu.utilization * 100);
    utilization.add("job CPU share", seconds, sample.cpu.jobShare * 100);
    memory.add(`job (${sample.memory.kind})`, seconds, sample.memory.jobBytes / 2 ** 30);
  }
  return { power: power.list, utilization: utilization.list, memory: memory.list };
}

/**
 * Renders a run's plots.
 *
 * @param samples The run's records.
 * @param startMs The run's start, ms since the epoch.
 * @returns HTML figures.
 */
export function runPlots(samples: readonly SampleRecord[], startMs: number): RunPlots {
  const series = runSeries(samples, startMs);
  // One colour per device across the three plots.
  const colours = new Map<string, number>();
  for (const s of [...series.power, ...series.utilization, ...series.memory]) {
    if (!colours.has(s.name)) colours.set(s.name, colours.size);
    s.colour = colours.get(s.name)!;
  }
  const plots: RunPlots = {};
  if (series.power.length > 0) {
    plots.power = linePlotHtml({
      caption: "Power per component and device (machine)",
      yTitle: "Power (W)",
      series: series.power,
    });
  }
  if (series.utilization.length > 0) {
    plots.utilization = linePlotHtml({
      caption: "Utilisation",
      yTitle: "Utilisation (%)",
      series: series.utilization,
    });
  }
  if (series.memory.length > 0) {
    plots.memory = linePlotHtml({
      caption: "Memory in use",
      yTitle: "Memory (GiB)",
      series: series.memory,
    });
  }
  return plots;
}

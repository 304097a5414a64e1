/**
 * The plots of one run's page: power per component and device, utilisation, memory, each
 * built from samples.jsonl records. A device's lines break where it was not measured, and the
 * power plot shades those stretches.
 *
 * @module
 */
import type { DeviceGap, SampleRecord } from "../../log/schema.ts";
import { linePlotHtml, type LineSeries, type PlotBand } from "../plots/line_plot.ts";

/** The HTML figures of a run page, absent when the samples hold no such data. */
export interface RunPlots {
  power?: string;
  utilization?: string;
  memory?: string;
}

interface Growing {
  series: LineSeries;
  seconds: Float64Array;
  values: Float64Array;
  count: number;
}

class SeriesSet {
  readonly growing: Growing[] = [];
  constructor(readonly capacity: number) {}
  // component -> device -> series: two lookups and no string building per sample.
  readonly #byDevice = new Map<string, Map<string, Growing>>();
  series(component: string, device: string): Growing {
    let devices = this.#byDevice.get(component);
    if (!devices) {
      devices = new Map();
      this.#byDevice.set(component, devices);
    }
    let s = devices.get(device);
    if (!s) {
      const name = device.startsWith(component) || component === ""
        ? device
        : `${component} ${device}`;
      // Typed arrays sized once: an hour at 1 Hz is 3600 points per device, no regrowth.
      s = {
        series: { name, seconds: [], values: [] },
        seconds: new Float64Array(this.capacity),
        values: new Float64Array(this.capacity),
        count: 0,
      };
      devices.set(device, s);
      this.growing.push(s);
    }
    return s;
  }
  /** The device's series, when it has one. */
  find(component: string, device: string): Growing | undefined {
    return this.#byDevice.get(component)?.get(device);
  }
  get list(): LineSeries[] {
    return this.growing.map((g) => ({
      ...g.series,
      seconds: g.seconds.subarray(0, g.count),
      values: g.values.subarray(0, g.count),
    }));
  }
}

/** Milliseconds since the epoch of an ISO time, fast for runs of `YYYY-MM-DDTHH:MM:SS.sssZ`. */
class IsoClock {
  #day = "";
  #dayMs = NaN;
  parse(t: string): number {
    if (t.length !== 24 || t.charCodeAt(23) !== 90 || t.charCodeAt(10) !== 84) return Date.parse(t);
    const day = t.slice(0, 10);
    if (day !== this.#day) {
      this.#day = day;
      this.#dayMs = Date.parse(`${day}T00:00:00.000Z`);
    }
    const d = (i: number) => t.charCodeAt(i) - 48;
    const h = d(11) * 10 + d(12);
    const m = d(14) * 10 + d(15);
    const s = d(17) * 10 + d(18);
    const ms = d(20) * 100 + d(21) * 10 + d(22);
    const value = this.#dayMs + ((h * 60 + m) * 60 + s) * 1000 + ms;
    // Anything odd (a digit that is not one) falls back to the full parser.
    return Number.isFinite(value) && h < 24 && m < 60 && s < 61 && ms >= 0 ? value : Date.parse(t);
  }
}

function push(s: Growing, seconds: number, value: number): void {
  s.seconds[s.count] = seconds;
  s.values[s.count++] = value;
}

/**
 * Builds the series of a run's plots from its samples.
 *
 * @param samples The run's records, in time order.
 * @param startMs The run's start, ms since the epoch (x = 0).
 * @returns The series per plot, keyed by device (`cpu package-0`, `gpu-1`, ...).
 */
export function runSeries(
  samples: readonly SampleRecord[],
  startMs: number,
): { power: LineSeries[]; utilization: LineSeries[]; memory: LineSeries[] } {
  const power = new SeriesSet(samples.length);
  const utilization = new SeriesSet(samples.length);
  const memory = new SeriesSet(samples.length);
  // Devices come in the same order in every sample: remember each position's series and
  // look a device up by name only when the position holds another one.
  const slots: {
    component: string;
    device: string;
    power: Growing;
    util?: Growing;
    mem?: Growing;
  }[] = [];
  const machineCpu = utilization.series("", "machine CPU");
  const jobShare = utilization.series("", "job CPU share");
  // The job's memory series, looked up again only when the sample's memory kind changes.
  let jobMemory: Growing | undefined;
  let jobMemoryKind = "";
  const clock = new IsoClock();
  for (const sample of samples) {
    const seconds = (clock.parse(sample.t) - startMs) / 1000;
    if (!Number.isFinite(seconds)) continue;
    const devices = sample.devices;
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i]!;
      let slot = slots[i];
      if (!slot || slot.device !== d.device || slot.component !== d.component) {
        slot = {
          component: d.component,
          device: d.device,
          power: power.series(d.component, d.device),
        };
        slots[i] = slot;
      }
      push(slot.power, seconds, d.powerWatts);
      if (d.utilization !== undefined) {
        slot.util ??= utilization.series(d.component, d.device);
        push(slot.util, seconds, d.utilization * 100);
      }
      if (d.memoryUsedBytes !== undefined) {
        slot.mem ??= memory.series(d.component, d.device);
        push(slot.mem, seconds, d.memoryUsedBytes / 2 ** 30);
      }
    }
    // A device not measured in this interval breaks its lines here (NaN), never bridged.
    for (const gap of sample.gaps ?? []) {
      for (const set of [power, utilization, memory]) {
        const s = set.find(gap.component, gap.device);
        if (s) push(s, seconds, NaN);
      }
    }
    push(machineCpu, seconds, sample.cpu.utilization * 100);
    push(jobShare, seconds, sample.cpu.jobShare * 100);
    if (jobMemory === undefined || sample.memory.kind !== jobMemoryKind) {
      jobMemoryKind = sample.memory.kind;
      jobMemory = memory.series("", `job (${jobMemoryKind})`);
    }
    push(jobMemory, seconds, sample.memory.jobBytes / 2 ** 30);
  }
  return { power: power.list, utilization: utilization.list, memory: memory.list };
}

/**
 * The stretches a run's devices were not measured, as shaded bands of its power plot: one per
 * stretch, devices lost over the same stretch for the same reason in one band.
 *
 * @param gaps The run's gaps.
 * @param startMs The run's start, ms since the epoch (x = 0).
 * @returns The bands, oldest first.
 */
function gapBands(gaps: readonly DeviceGap[], startMs: number): PlotBand[] {
  const bands = new Map<string, { from: string; to: string; devices: string[]; reason: string }>();
  for (const gap of gaps) {
    const key = `${gap.from} ${gap.to} ${gap.reason}`;
    const band = bands.get(key);
    if (band) band.devices.push(gap.device);
    else bands.set(key, { from: gap.from, to: gap.to, devices: [gap.device], reason: gap.reason });
  }
  return [...bands.values()].map((b) => ({
    fromSeconds: (Date.parse(b.from) - startMs) / 1000,
    toSeconds: (Date.parse(b.to) - startMs) / 1000,
    label: `${b.devices.join(", ")} not measured: ${b.reason}`,
  }));
}

/**
 * Renders a run's plots.
 *
 * @param samples The run's records.
 * @param startMs The run's start, ms since the epoch.
 * @param gaps The run's gaps, shaded on the power plot.
 * @returns HTML figures.
 */
export function runPlots(
  samples: readonly SampleRecord[],
  startMs: number,
  gaps: readonly DeviceGap[] = [],
): RunPlots {
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
      caption: gaps.length > 0
        ? "Power per component and device (machine); shaded: a device not measured"
        : "Power per component and device (machine)",
      yTitle: "Power (W)",
      series: series.power,
      bands: gapBands(gaps, startMs),
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

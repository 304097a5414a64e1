/**
 * Line plots of time series (power, utilisation, memory over a run), drawn with d3-scale
 * and d3-shape at build time; each series keeps its minimum and maximum per two-pixel column.
 *
 * @module
 */
// @ts-types="@types/d3-scale"
import { scaleLinear } from "d3-scale";
// @ts-types="@types/d3-shape"
import { line } from "d3-shape";
import { downsampleMinMax } from "../downsample.ts";
import { escapeXml } from "./escape.ts";
import { axesSvg, COLOURS, DEFAULT_FRAME, figureHtml, type PlotFrame } from "./frame.ts";

/** One named line. */
export interface LineSeries {
  name: string;
  /** Seconds since the run started, ascending. */
  seconds: ArrayLike<number>;
  /** NaN where the series was not measured: the line breaks there instead of bridging it. */
  values: ArrayLike<number>;
  /** Colour class index (so a device keeps its colour across plots); the series' position by default. */
  colour?: number;
}

/** A stretch of the time axis shaded and labelled (a device not measured then). */
export interface PlotBand {
  fromSeconds: number;
  toSeconds: number;
  /** Said on hover and to screen readers. */
  label: string;
}

/** What a line plot shows. */
export interface LinePlotOptions {
  caption: string;
  yTitle: string;
  series: LineSeries[];
  /** Shaded stretches, drawn under the lines. */
  bands?: PlotBand[];
  frame?: PlotFrame;
}

/** The runs of consecutive measured points (values not NaN), as [start, end) index pairs. */
function segments(values: ArrayLike<number>, n: number): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= n; i++) {
    const measured = i < n && !Number.isNaN(values[i]!);
    if (measured && start < 0) start = i;
    if (!measured && start >= 0) {
      runs.push([start, i]);
      start = -1;
    }
  }
  return runs;
}

/** Points [from, to) of an array without copying where it can (the whole, a typed array). */
function view(a: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (from === 0 && to === a.length) return a;
  if (a instanceof Float64Array) return a.subarray(from, to);
  return Array.prototype.slice.call(a, from, to);
}

/**
 * A series thinned to about `buckets` pixel columns, each stretch between gaps apart (so no
 * bucket mixes both sides of a gap), the stretches joined by a NaN that breaks the line.
 */
function thinned(s: LineSeries, buckets: number): { xs: number[]; ys: number[]; lone: number[] } {
  const n = Math.min(s.seconds.length, s.values.length);
  const xs: number[] = [];
  const ys: number[] = [];
  const lone: number[] = [];
  for (const [from, to] of segments(s.values, n)) {
    if (xs.length > 0) {
      xs.push(NaN);
      ys.push(NaN);
    }
    const part = downsampleMinMax(
      { x: view(s.seconds, from, to), y: view(s.values, from, to) },
      Math.max(1, Math.round((buckets * (to - from)) / n)),
    );
    // A lone point draws no line: mark it so a one-sample stretch still shows its value.
    if (part.x.length === 1) lone.push(xs.length);
    xs.push(...part.x);
    ys.push(...part.y);
  }
  return { xs, ys, lone };
}

/**
 * Renders a line plot with a time axis in seconds, minutes or hours (chosen by the span).
 *
 * @param options Caption, y axis title and the series.
 * @returns An HTML figure with an inline SVG; one `path.series` per series.
 */
export function linePlotHtml(options: LinePlotOptions): string {
  const frame = options.frame ?? DEFAULT_FRAME;
  const { width, height, margin } = frame;
  const plotWidth = width - margin.left - margin.right;
  let maxSeconds = 0;
  let maxValue = 0;
  let minValue = 0;
  for (const band of options.bands ?? []) maxSeconds = Math.max(maxSeconds, band.toSeconds);
  for (const s of options.series) {
    for (let i = 0; i < s.seconds.length; i++) {
      if (s.seconds[i]! > maxSeconds) maxSeconds = s.seconds[i]!;
    }
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      if (v > maxValue) maxValue = v;
      if (v < minValue) minValue = v;
    }
  }
  const [unit, divisor] = maxSeconds >= 2 * 3600
    ? ["hours", 3600]
    : maxSeconds >= 120
    ? ["minutes", 60]
    : ["seconds", 1];
  const x = scaleLinear().domain([0, maxSeconds / divisor || 1]).range([
    margin.left,
    width - margin.right,
  ]);
  const y = scaleLinear().domain([minValue, maxValue || 1]).nice().range([
    height - margin.bottom,
    margin.top,
  ]);
  const parts = [axesSvg(frame, x, y, `Time since start (${unit})`, options.yTitle)];
  const top = margin.top;
  const bottom = height - margin.bottom;
  for (const band of options.bands ?? []) {
    const left = x(band.fromSeconds / divisor);
    const right = x(band.toSeconds / divisor);
    parts.push(
      `<rect class="gap" x="${left.toFixed(1)}" y="${top}" width="${
        Math.max(1, right - left).toFixed(1)
      }" height="${bottom - top}"><title>${escapeXml(band.label)}</title></rect>`,
    );
  }
  options.series.forEach((s, i) => {
    const { xs, ys, lone } = thinned(s, Math.round(plotWidth / 2));
    const path = line<number>()
      .defined((k) => !Number.isNaN(ys[k]!))
      .x((k) => x(xs[k]! / divisor))
      .y((k) => y(ys[k]!))
      .digits(1)(xs.map((_, k) => k));
    const colour = (s.colour ?? i) % COLOURS;
    const dot = lone.map((k) =>
      `<circle class="point c${colour}" cx="${x(xs[k]! / divisor).toFixed(1)}" cy="${
        y(ys[k]!).toFixed(1)
      }" r="3"/>`
    ).join("");
    parts.push(
      `<path class="series c${colour}" data-series="${escapeXml(s.name)}" d="${
        path ?? ""
      }"><title>${escapeXml(s.name)}</title></path>${dot}`,
    );
  });
  return figureHtml(
    frame,
    options.caption,
    parts.join(""),
    options.series.map((s, i) => ({ name: s.name, colour: s.colour ?? i })),
  );
}

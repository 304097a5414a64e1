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
  values: ArrayLike<number>;
  /** Colour class index (so a device keeps its colour across plots); the series' position by default. */
  colour?: number;
}

/** What a line plot shows. */
export interface LinePlotOptions {
  caption: string;
  yTitle: string;
  series: LineSeries[];
  frame?: PlotFrame;
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
  options.series.forEach((s, i) => {
    const { x: xs, y: ys } = downsampleMinMax(
      { x: s.seconds, y: s.values },
      Math.round(plotWidth / 2),
    );
    const path = line<number>()
      .x((k) => x(xs[k]! / divisor))
      .y((k) => y(ys[k]!))
      .digits(1)(xs.map((_, k) => k));
    // A lone point draws no line: mark it so a one-sample run still shows its value.
    const colour = (s.colour ?? i) % COLOURS;
    const dot = xs.length === 1
      ? `<circle class="point c${colour}" cx="${x(xs[0]! / divisor).toFixed(1)}" cy="${
        y(ys[0]!).toFixed(1)
      }" r="3"/>`
      : "";
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

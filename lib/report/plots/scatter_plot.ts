/**
 * Scatter plots of one metric against another across runs (the executive summary plots),
 * drawn with d3-scale; one colour per group (a child set, or the whole set).
 *
 * @module
 */
// @ts-types="@types/d3-scale"
import { scaleLinear } from "d3-scale";
import { escapeXml } from "./escape.ts";
import { axesSvg, COLOURS, DEFAULT_FRAME, figureHtml, type PlotFrame } from "./frame.ts";

/** One run's point. */
export interface ScatterPoint {
  x: number;
  y: number;
  /** Tooltip text, e.g. the run's name. */
  label: string;
}

/** A group of points drawn in one colour. */
export interface ScatterGroup {
  name: string;
  points: ScatterPoint[];
}

/**
 * Renders a scatter plot.
 *
 * @param caption Figure caption.
 * @param xTitle X axis title.
 * @param yTitle Y axis title.
 * @param groups Point groups; each becomes one `g.series`.
 * @param frame Plot size.
 * @returns An HTML figure with an inline SVG.
 */
export function scatterPlotHtml(
  caption: string,
  xTitle: string,
  yTitle: string,
  groups: ScatterGroup[],
  frame: PlotFrame = DEFAULT_FRAME,
): string {
  const { width, height, margin } = frame;
  const all = groups.flatMap((g) => g.points);
  const extent = (values: number[]): [number, number] => {
    const lo = Math.min(0, ...values);
    const hi = Math.max(...values, 0);
    // 5 % headroom so a point at the maximum is not cut by the frame.
    return [lo, hi > lo ? hi + (hi - lo) * 0.05 : lo + 1];
  };
  const x = scaleLinear().domain(extent(all.map((p) => p.x))).nice().range([
    margin.left,
    width - margin.right,
  ]);
  const y = scaleLinear().domain(extent(all.map((p) => p.y))).nice().range([
    height - margin.bottom,
    margin.top,
  ]);
  const parts = [axesSvg(frame, x, y, xTitle, yTitle)];
  groups.forEach((g, i) => {
    const dots = g.points.map((p) =>
      `<circle class="point" cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="4"><title>${
        escapeXml(p.label)
      }</title></circle>`
    ).join("");
    parts.push(
      `<g class="series c${i % COLOURS}" data-series="${escapeXml(g.name)}">${dots}</g>`,
    );
  });
  return figureHtml(frame, caption, parts.join(""), groups.map((g) => g.name));
}

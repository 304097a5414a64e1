/**
 * Horizontal bar charts (energy per experiment set), drawn with d3-scale's band and linear
 * scales; names sit above their bars so long names wrap nowhere and fit on a phone.
 *
 * @module
 */
// @ts-types="@types/d3-scale"
import { scaleBand, scaleLinear } from "d3-scale";
import { escapeXml } from "./escape.ts";
import { COLOURS, figureHtml, type PlotFrame } from "./frame.ts";

/** One bar. */
export interface Bar {
  name: string;
  value: number;
}

/**
 * Renders a horizontal bar chart.
 *
 * @param caption Figure caption.
 * @param unit Unit printed after each value.
 * @param bars The bars, top to bottom.
 * @param format Formats a value for its label.
 * @returns An HTML figure with an inline SVG; one `rect.bar` per bar.
 */
export function barPlotHtml(
  caption: string,
  unit: string,
  bars: Bar[],
  format: (value: number) => string,
): string {
  const rowHeight = 40;
  const frame: PlotFrame = {
    width: 720,
    height: Math.max(1, bars.length) * rowHeight + 16,
    margin: { top: 8, right: 16, bottom: 8, left: 8 },
  };
  const { width, height, margin } = frame;
  const band = scaleBand<string>()
    .domain(bars.map((_, i) => String(i)))
    .range([margin.top, height - margin.bottom])
    .paddingInner(0.1);
  const max = Math.max(0, ...bars.map((b) => b.value));
  const x = scaleLinear().domain([0, max || 1]).range([margin.left, width - margin.right - 120]);
  const parts = bars.map((b, i) => {
    const top = band(String(i)) ?? 0;
    const barTop = top + 16;
    const barHeight = Math.max(2, band.bandwidth() - 18);
    const w = Math.max(1, x(b.value) - margin.left);
    return `<g class="series c${i % COLOURS}" data-series="${escapeXml(b.name)}">` +
      `<text class="bar-name" x="${margin.left}" y="${top + 11}">${escapeXml(b.name)}</text>` +
      `<rect class="bar" x="${margin.left}" y="${barTop.toFixed(1)}" width="${
        w.toFixed(1)
      }" height="${barHeight.toFixed(1)}"><title>${
        escapeXml(`${b.name}: ${format(b.value)} ${unit}`)
      }</title></rect>` +
      `<text class="bar-value" x="${(margin.left + w + 6).toFixed(1)}" y="${
        (barTop + barHeight / 2).toFixed(1)
      }" dy="0.32em">${escapeXml(`${format(b.value)} ${unit}`)}</text></g>`;
  });
  return figureHtml(frame, caption, parts.join(""), []);
}

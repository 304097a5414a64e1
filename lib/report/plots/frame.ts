/**
 * The parts every plot shares: the frame (size and margins), axes with ticks from a d3
 * scale, and the HTML legend under the SVG.
 *
 * @module
 */
import { escapeXml } from "./escape.ts";

/** Plot size in SVG units; the SVG scales to its container's width. */
export interface PlotFrame {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

/** The default frame of line and scatter plots. */
export const DEFAULT_FRAME: PlotFrame = {
  width: 720,
  height: 260,
  margin: { top: 12, right: 32, bottom: 40, left: 64 },
};

/** How many colour classes (`c0` ... `c7`) the stylesheet defines. */
export const COLOURS = 8;

/** A d3 continuous scale, as far as axes need it. */
export interface TickScale {
  (value: number): number;
  ticks(count?: number): number[];
  tickFormat(count?: number, specifier?: string): (value: number) => string;
}

/**
 * Draws an x axis (bottom) and a y axis (left) with grid lines and titles.
 *
 * @param frame The plot frame.
 * @param x The x scale (range in SVG units).
 * @param y The y scale.
 * @param xTitle Title under the x axis.
 * @param yTitle Title beside the y axis.
 * @returns SVG markup.
 */
export function axesSvg(
  frame: PlotFrame,
  x: TickScale,
  y: TickScale,
  xTitle: string,
  yTitle: string,
): string {
  const { width, height, margin } = frame;
  const bottom = height - margin.bottom;
  const parts: string[] = [];
  const xFormat = x.tickFormat(6);
  for (const t of x.ticks(6)) {
    const px = x(t).toFixed(1);
    parts.push(
      `<line class="grid" x1="${px}" x2="${px}" y1="${margin.top}" y2="${bottom}"/>`,
      `<text class="tick" x="${px}" y="${bottom + 14}" text-anchor="middle">${
        escapeXml(xFormat(t))
      }</text>`,
    );
  }
  const yFormat = y.tickFormat(5);
  for (const t of y.ticks(5)) {
    const py = y(t).toFixed(1);
    parts.push(
      `<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${py}" y2="${py}"/>`,
      `<text class="tick" x="${margin.left - 6}" y="${py}" dy="0.32em" text-anchor="end">${
        escapeXml(yFormat(t))
      }</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${margin.left}" x2="${
      width - margin.right
    }" y1="${bottom}" y2="${bottom}"/>`,
    `<line class="axis" x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${bottom}"/>`,
    `<text class="title" x="${(margin.left + width - margin.right) / 2}" y="${
      height - 6
    }" text-anchor="middle">${escapeXml(xTitle)}</text>`,
    `<text class="title" transform="translate(14 ${
      (margin.top + bottom) / 2
    }) rotate(-90)" text-anchor="middle">${escapeXml(yTitle)}</text>`,
  );
  return parts.join("");
}

/**
 * Wraps an SVG body in a figure with a caption and a legend.
 *
 * @param frame The plot frame (for the viewBox).
 * @param caption The figure's caption (also the SVG's accessible name).
 * @param body SVG markup inside the root element.
 * @param legend Series names with their colour index (the position when a plain name).
 * @returns An HTML `<figure>`.
 */
export function figureHtml(
  frame: PlotFrame,
  caption: string,
  body: string,
  legend: (string | { name: string; colour: number })[],
): string {
  const label = escapeXml(caption);
  const items = legend.map((entry, i) => {
    const { name, colour } = typeof entry === "string" ? { name: entry, colour: i } : entry;
    return `<li><span class="swatch c${colour % COLOURS}"></span>${escapeXml(name)}</li>`;
  }).join("");
  return `<figure class="plot"><figcaption>${label}</figcaption>` +
    `<svg viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="${label}">` +
    body + `</svg>` + (legend.length > 0 ? `<ul class="legend">${items}</ul>` : "") +
    `</figure>`;
}

/**
 * How reports read in plain text (the terminal, the end-of-run summary, the appendix's
 * words): one format for a figure, one for a duration, one table layout, shared by every
 * report that prints them.
 *
 * @module
 */
import type { GapGroup } from "../accounting/gaps.ts";

/**
 * A figure for a terminal: whole numbers from 100 up, three significant digits below.
 *
 * @param x The figure.
 * @returns Its text, e.g. `1234`, `5.2`, `0.0123`.
 * @example Figures of every size
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { shortFigure } from "./plain_text.ts";
 * equal(shortFigure(1234.5), "1235");
 * equal(shortFigure(5.2), "5.2");
 * equal(shortFigure(0.012345), "0.0123");
 * ```
 */
export function shortFigure(x: number): string {
  if (x === 0) return "0";
  if (Math.abs(x) >= 100) return x.toFixed(0);
  return String(Number(x.toPrecision(3)));
}

/**
 * A grid intensity as the tables give it (at most two decimals, no trailing zeros), so the
 * figure printed is the figure used: `414`, not the `411` that rounded kg over rounded kWh
 * would give, nor the `473` three significant digits would make of `472.94`.
 *
 * @param gramsPerKwh gCO2e/kWh.
 * @returns Its text.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatIntensity } from "./plain_text.ts";
 * equal(formatIntensity(472.94), "472.94");
 * equal(formatIntensity(414), "414");
 * equal(formatIntensity(56.104999), "56.1");
 * ```
 */
export function formatIntensity(gramsPerKwh: number): string {
  return String(Number(gramsPerKwh.toFixed(2)));
}

/**
 * A duration as `1h02m03s`, `2m03s` or `3.0s`: the one duration format of every report.
 *
 * @param seconds A duration.
 * @returns The duration in words.
 * @example Short and long runs
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatDuration } from "./plain_text.ts";
 * equal(formatDuration(3), "3.0s");
 * equal(formatDuration(123), "2m03s");
 * equal(formatDuration(3723), "1h02m03s");
 * ```
 */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}h${pad(m)}m${pad(s)}s` : `${m}m${pad(s)}s`;
}

/**
 * A duration for a sentence: seconds under a minute, minutes under an hour, then hours, each
 * to three significant digits (what a paper would print: `12 min`, not `12m00s`).
 *
 * @param seconds A duration.
 * @returns The duration in words.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { proseDuration } from "./plain_text.ts";
 * equal(proseDuration(4), "4 s");
 * equal(proseDuration(720), "12 min");
 * equal(proseDuration(5400), "1.5 h");
 * ```
 */
export function proseDuration(seconds: number): string {
  if (seconds < 60) return `${shortFigure(seconds)} s`;
  if (seconds < 3600) return `${shortFigure(seconds / 60)} min`;
  return `${shortFigure(seconds / 3600)} h`;
}

/**
 * The devices some runs did not measure, in words, the longest first: each device with how
 * long, in how many runs (when more than one) and why; after `max` of them, how many more.
 *
 * @param groups The gaps grouped by device and reason (lib/accounting/gaps.ts's `groupGaps`).
 * @param max How many to name.
 * @returns E.g. `gpu-1 for 12 min in 2 runs (GPU is lost); package-0 for 3 s (counter reset)`.
 * @example Two named, one more
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { gapList } from "./plain_text.ts";
 * const groups = [
 *   { device: "gpu-1", reason: "GPU is lost", seconds: 720, runs: 2 },
 *   { device: "package-0", reason: "counter reset", seconds: 3, runs: 1 },
 *   { device: "dram-0", reason: "counter reset", seconds: 1, runs: 1 },
 * ];
 * equal(
 *   gapList(groups, 2),
 *   "gpu-1 for 12 min in 2 runs (GPU is lost); package-0 for 3 s (counter reset); and 1 more",
 * );
 * ```
 */
export function gapList(groups: readonly GapGroup[], max = 5): string {
  const named = groups.slice(0, max).map((g) =>
    `${g.device} for ${proseDuration(g.seconds)}${
      g.runs > 1 ? ` in ${g.runs} runs` : ""
    } (${g.reason})`
  );
  if (groups.length > max) named.push(`and ${groups.length - max} more`);
  return named.join("; ");
}

/** How {@link textTable} lays a table out. */
export interface TextTableOptions {
  /** Each column's alignment (`right` for figures); left where not given. */
  align?: readonly ("left" | "right")[];
  /** Put before every line, e.g. two spaces under a heading. */
  indent?: string;
}

/**
 * Lays rows out as a plain-text table: columns as wide as their widest cell, two spaces
 * apart, no spaces at line ends. The one table renderer of the terminal reports.
 *
 * @param rows The rows, the header first; every row has the same number of cells.
 * @param options Column alignment and indent.
 * @returns One line per row, without newlines.
 * @example A left and a right-aligned column
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { textTable } from "./plain_text.ts";
 *
 * const lines = textTable([["zone", "gCO2e/kWh"], ["DE", "381"], ["FR", "56"]], {
 *   align: ["left", "right"],
 * });
 * equal(lines.join("\n"), "zone  gCO2e/kWh\nDE          381\nFR           56");
 * ```
 */
export function textTable(rows: readonly string[][], options: TextTableOptions = {}): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const indent = options.indent ?? "";
  return rows.map((row) =>
    indent +
    row.map((cell, i) =>
      options.align?.[i] === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)
    ).join("  ").trimEnd()
  );
}

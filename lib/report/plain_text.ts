/**
 * How figures read in plain text (the terminal, the end-of-run summary): one format for a
 * figure, shared by every command that prints one.
 *
 * @module
 */

/**
 * A figure for a terminal: whole numbers from 100 up, three significant digits below.
 *
 * @param x The figure.
 * @returns Its text, e.g. `1234`, `5.2`, `0.0123`.
 * @example Figures of every size
 * ```ts
 * import { shortFigure } from "./plain_text.ts";
 * console.assert(shortFigure(1234.5) === "1235");
 * console.assert(shortFigure(5.2) === "5.2");
 * console.assert(shortFigure(0.012345) === "0.0123");
 * ```
 */
export function shortFigure(x: number): string {
  if (x === 0) return "0";
  if (Math.abs(x) >= 100) return x.toFixed(0);
  return String(Number(x.toPrecision(3)));
}

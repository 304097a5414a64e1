/**
 * The one strict reader of decimal numbers: every numeric flag, points file and tool output
 * that the tool reads as a number goes through {@link parseDecimal}, so `0x10`, `1e3`, `0b1`,
 * `Infinity` and an empty text are refused instead of becoming 16, 1000, 1, a figure no
 * hardware makes, or 0 (what `Number()` makes of them).
 *
 * @module
 */

const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const WITH_EXPONENT = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Reads a decimal number: an optional sign, digits, an optional fraction; surrounding blanks
 * ignored.
 *
 * @param text The text.
 * @param options `exponent`: also take `1.5e3` (for values other programs write that way,
 *   such as Python's `float()` text).
 * @returns The finite number, or undefined for anything else (hex, binary, exponents unless
 *   asked for, `Infinity`, `NaN`, empty text, a value too large to be finite).
 * @example Decimal only
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseDecimal } from "./decimal.ts";
 * equal(parseDecimal(" 16 "), 16);
 * equal(parseDecimal("0.5"), 0.5);
 * equal(parseDecimal("0x10"), undefined);
 * equal(parseDecimal("1e3"), undefined);
 * equal(parseDecimal("1e3", { exponent: true }), 1000);
 * equal(parseDecimal("9".repeat(400)), undefined);
 * ```
 */
export function parseDecimal(
  text: string,
  options: { exponent?: boolean } = {},
): number | undefined {
  const trimmed = text.trim();
  if (!(options.exponent ? WITH_EXPONENT : DECIMAL).test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Reads a whole number of at least 0 written in decimal digits (a PID, a count, an index).
 *
 * @param text The text.
 * @returns The number, or undefined for anything else (a sign, a fraction, a value past
 *   `Number.MAX_SAFE_INTEGER`).
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseWholeNumber } from "./decimal.ts";
 * equal(parseWholeNumber("4242"), 4242);
 * equal(parseWholeNumber("-1"), undefined);
 * equal(parseWholeNumber("1.5"), undefined);
 * ```
 */
export function parseWholeNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : undefined;
}

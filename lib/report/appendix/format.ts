/**
 * How the appendix prints numbers, sizes and commands (durations: lib/report/plain_text.ts).
 *
 * @module
 */
import { foldText } from "../../geo/fold_text.ts";

const significant = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 });

/** A number shown in a table, with its exact value for sorting and for tests. */
export interface Cell {
  text: string;
  /** The full-precision value, "" when there is none. */
  value: string;
}

/**
 * Formats a figure with four significant digits, "—" when absent.
 *
 * @param value The number.
 * @returns The text.
 */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  if (value !== 0 && Math.abs(value) < 1e-4) return value.toExponential(3);
  return significant.format(value);
}

/**
 * A table cell for a figure.
 *
 * @param value The number.
 * @returns Its text and exact value.
 */
export function numberCell(value: number | undefined): Cell {
  const present = value !== undefined && Number.isFinite(value);
  return { text: formatNumber(value), value: present ? String(value) : "" };
}

/**
 * Quotes a command line for display as a POSIX shell would need it.
 *
 * @param argv The program and its arguments.
 * @returns One line.
 */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((a) => /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'"'"'`)}'`)
    .join(" ");
}

/**
 * Formats a byte count in binary units.
 *
 * @param bytes The size.
 * @returns e.g. `15.6 GiB`.
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * Turns a name into a file-name-safe slug, accents folded away.
 *
 * @param name Any text.
 * @returns Lowercase letters, digits and dashes (at most 60), or "set" when nothing is left.
 */
export function slugify(name: string): string {
  // Folded first, so an accent is dropped rather than split off: "Zürich" -> "zurich".
  const slug = foldText(name).replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
  return slug || "set";
}

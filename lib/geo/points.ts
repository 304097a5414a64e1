/**
 * Batch lookups: a CSV of `latitude,longitude` lines (`impact region --points file.csv`), for
 * people checking many sites at once.
 *
 * @module
 */
import { parseDecimal } from "../decimal.ts";

/** One usable line of a points file. */
export interface PointLine {
  /** 1-based line number in the file. */
  line: number;
  latitude: number;
  longitude: number;
}

/**
 * Reads a points file: one `latitude,longitude` pair a line (more columns are ignored). Blank
 * lines and `#` comments are skipped; so is a first line of column names (`lat,lon`). A bad
 * line is named in `errors` and skipped; the others are kept.
 *
 * @param text The file's contents.
 * @param file The file's name, for messages.
 * @returns The points in file order and one message per bad line.
 */
export function parsePoints(text: string, file: string): { points: PointLine[]; errors: string[] } {
  const points: PointLine[] = [];
  const errors: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const [latText = "", lonText = ""] = line.split(/[,;\t]/).map((s) => s.trim());
    if (i === 0 && /^[a-z_ "]+$/i.test(latText) && /^[a-z_ "]+$/i.test(lonText)) return;
    const problem = check(latText, "latitude", 90) ?? check(lonText, "longitude", 180);
    if (problem) {
      errors.push(`${file}:${i + 1}: ${problem}; line skipped`);
      return;
    }
    points.push({
      line: i + 1,
      latitude: parseDecimal(latText)!,
      longitude: parseDecimal(lonText)!,
    });
  });
  return { points, errors };
}

function check(text: string, field: string, limit: number): string | undefined {
  const value = parseDecimal(text);
  if (value === undefined) return `${field} ${JSON.stringify(text)} is not a decimal number`;
  if (Math.abs(value) > limit) return `${field} ${value} is outside +-${limit}`;
  return undefined;
}

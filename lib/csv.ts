/**
 * The one CSV codec (RFC 4180): reading with `csv-parse`, writing with `csv-stringify`, so
 * PowerLog files, CAISO's fuel mix, the exports and the tests agree on quoting. Upgrading the
 * packages is an edit here only. (nvidia-smi's `--format=csv` is not RFC CSV: fields joined by
 * `", "`, never quoted; lib/sensors/nvidia_smi_parse.ts splits it. amd-smi's `--csv` stream is
 * split a line at a time in lib/sensors/amd_smi_parse.ts: importing this module there would
 * load csv-parse into every `impact run`, which otherwise never needs it.)
 *
 * @module
 */
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";

/** One record of a CSV text. */
export interface CsvRow {
  /** The fields, unquoted (`""` inside quotes read as `"`); a blank line is `[""]`. */
  fields: string[];
  /** The 1-based line the record ends on. */
  line: number;
}

/** Text that is not CSV (a quote never closed); names the line. */
export class CsvSyntaxError extends Error {
  /**
   * @param line The 1-based line where the problem was found.
   * @param message What was wrong.
   * @param options The codec's own error.
   */
  constructor(readonly line: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CsvSyntaxError";
  }
}

/**
 * Reads CSV text into records. Rows may differ in length (the caller checks them against
 * its header) and blank lines are kept, so callers can name the line of any problem.
 *
 * @param text The CSV text (`\n` or `\r\n` line ends).
 * @param options `trim`: drop spaces around unquoted fields.
 * @returns The records in order, each with its line.
 * @throws {CsvSyntaxError} For a quote that is never closed.
 * @example Quoted commas and quotes
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseCsv } from "./csv.ts";
 *
 * const rows = parseCsv('name,note\nada,"says ""hi"", twice"\n');
 * equal(rows[1]!.fields[1], 'says "hi", twice');
 * equal(rows[1]!.line, 2);
 * ```
 */
export function parseCsv(text: string, options: { trim?: boolean } = {}): CsvRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      relax_column_count: true,
      record_delimiter: ["\r\n", "\n"],
      skip_empty_lines: false,
      trim: options.trim ?? false,
    }) as unknown as typeof records; // `info: true` wraps each record; the typings miss it
  } catch (error) {
    const { lines, code, message } = error as Error & { lines?: number; code?: string };
    const reason = code === "CSV_QUOTE_NOT_CLOSED" ? "a quoted field is never closed" : message;
    throw new CsvSyntaxError(lines ?? 0, reason, { cause: error });
  }
  return records.map(({ record, info }) => ({ fields: record, line: info.lines }));
}

/** A cell to write: empty when undefined or not a finite number. */
export type CsvCell = string | number | boolean | undefined;

/**
 * Writes rows as CSV with a header line and `\n` line ends (as CodeCarbon's pandas output),
 * quoting a field only where RFC 4180 needs it: a comma, a quote, a line break, or spaces at
 * either end (which readers would otherwise trim).
 *
 * @param columns The header, in order.
 * @param rows One record per row, keyed by column.
 * @returns The CSV text, ending in a newline.
 * @example Only the fields that need it are quoted
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { formatCsv } from "./csv.ts";
 *
 * const text = formatCsv(["run", "note", "kwh"], [{ run: "a", note: "x, y", kwh: 1.5 }]);
 * equal(text, 'run,note,kwh\na,"x, y",1.5\n');
 * ```
 */
export function formatCsv(columns: readonly string[], rows: Record<string, CsvCell>[]): string {
  return stringify(rows, {
    header: true,
    columns: [...columns],
    record_delimiter: "\n",
    // csv-stringify quotes `\n` by itself, not a lone `\r`.
    quoted_match: /^\s|\s$|\r/,
    cast: {
      boolean: (value: boolean) => String(value),
      number: (value: number) => Number.isFinite(value) ? String(value) : "",
    },
  });
}

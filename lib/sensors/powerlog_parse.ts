/**
 * Intel Power Gadget's `PowerLog` file: RFC CSV (read with lib/csv.ts) with every field quoted, numbers space-padded
 * inside the quotes, a blank line, then a footer of `"Key (unit) = value"` lines with the run's
 * totals (written only when PowerLog finishes on its own). Pure: text in, values out, errors
 * naming the file, line and column.
 *
 * @module
 */
import { type CsvRow, CsvSyntaxError, parseCsv } from "../csv.ts";
import type { Component, DeviceEnergy } from "../types.ts";
/** A PowerLog file line that could not be parsed. */
export class PowerLogParseError extends Error {
  /**
   * @param source The file, for the message.
   * @param line 1-based line number.
   * @param message What was wrong, naming the column.
   */
  constructor(readonly source: string, readonly line: number, message: string) {
    super(`${source} line ${line}: ${message}`);
    this.name = "PowerLogParseError";
  }
}

/** Cumulative energy of one RAPL domain of one package. */
export interface PowerLogDomainEnergy {
  /** `Processor` (package), `IA` (cores), `DRAM`, `GT` (graphics). */
  domain: string;
  packageIndex: number;
  energyJoules: number;
}

/** A parsed PowerLog file. */
export interface PowerLog {
  columns: string[];
  /** Data rows, column -> number (or text where not numeric, e.g. System Time). */
  rows: Map<string, number | string>[];
  /** Footer `Key (unit)` -> value; empty while PowerLog is still running. */
  footer: Map<string, number | string>;
  /** Energy per domain: from the footer when present, else from the last row. */
  energy: PowerLogDomainEnergy[];
  /** `Total Elapsed Time (sec)` from the footer, else the last row's `Elapsed Time (sec)`. */
  elapsedSeconds?: number;
}

/** PowerLog prints fixed-point decimals (`"  18.250"`): no exponent, no hex. */
const NUMBER = /^-?\d+(?:\.\d+)?$/;
/** Columns (and footer keys) PowerLog never prints negative: energy, power and its limits, time. */
const AMOUNT_COLUMN = /\s?\((?:Joules|mWh|Watt|sec)\)$/;
/** Data column `Cumulative Processor Energy_0(Joules)`; footer key has a space before `(`. */
const CUMULATIVE = /^Cumulative (.+) Energy_(\d{1,6})\s?\((Joules|mWh)\)$/;
const JOULES_PER_MWH = 3.6;

/**
 * Parses a PowerLog file. With `partial`, an unterminated last line (PowerLog still writing)
 * is ignored instead of rejected.
 *
 * @param text The file's text.
 * @param source The file name, for error messages.
 * @param options `partial`: the file may still be growing.
 * @returns Columns, rows, footer and energy per domain.
 */
export function parsePowerLog(
  text: string,
  source = "PowerLog",
  options: { partial?: boolean } = {},
): PowerLog {
  // While PowerLog writes, the last line may be cut short: read up to the last line end.
  const complete = options.partial && !text.endsWith("\n")
    ? text.slice(0, text.lastIndexOf("\n") + 1)
    : text;
  const reader = new PowerLogReader(source);
  reader.push(complete);
  return reader.log();
}

/**
 * A PowerLog file read as it grows: each {@link PowerLogReader.push} takes the lines written
 * since the last one, so a read costs what was added, not the whole file (a week-long run's
 * file holds hundreds of thousands of rows). {@link parsePowerLog} is one push.
 */
export class PowerLogReader {
  #columns: string[] = [];
  #rows: Map<string, number | string>[] = [];
  #rowCount = 0;
  #footer = new Map<string, number | string>();
  #inFooter = false;
  /** Lines taken so far, for the line numbers of later pushes. */
  #lines = 0;

  /**
   * @param source The file name, for error messages.
   * @param options `keepRows: false`: keep only the last row (a live file's reader).
   */
  constructor(readonly source: string, private readonly options: { keepRows?: boolean } = {}) {}

  /**
   * Reads the next part of the file: whole lines, as PowerLog appended them.
   *
   * @param text The text after what the earlier pushes took, ending at a line end (or the
   *   file's end).
   * @throws {PowerLogParseError} Naming the file, the line and the column.
   */
  push(text: string): void {
    const source = this.source;
    const base = this.#lines;
    let records: CsvRow[];
    try {
      records = parseCsv(text);
    } catch (error) {
      if (!(error instanceof CsvSyntaxError)) throw error;
      throw new PowerLogParseError(source, base + error.line, error.message);
    }
    for (const record of records) {
      const line = base + record.line;
      // Numbers are space-padded inside their quotes.
      const fields = record.fields.map((f) => f.trim());
      const blank = fields.length === 1 && fields[0] === "";
      if (this.#columns.length === 0) {
        if (!blank) this.#header(fields, line);
        continue;
      }
      if (blank) {
        if (this.#rowCount > 0) this.#inFooter = true;
        continue;
      }
      const footerMatch = fields.length === 1 ? /^(.+?)\s*=\s*(.*)$/.exec(fields[0]!) : null;
      if (this.#inFooter || footerMatch) {
        if (!footerMatch) {
          throw new PowerLogParseError(source, line, `expected "Key (unit) = value" in the footer`);
        }
        this.#inFooter = true;
        const key = footerMatch[1]!;
        const value = footerMatch[2]!.trim();
        const problem = valueProblem(key, value);
        if (problem) throw new PowerLogParseError(source, line, `footer "${key}" ${problem}`);
        this.#footer.set(key, NUMBER.test(value) ? Number(value) : value);
        continue;
      }
      this.#row(fields, line);
    }
    this.#lines = base + countLines(text);
  }

  /**
   * What has been read so far.
   *
   * @returns Columns, rows (only the last with `keepRows: false`), footer and energy per domain.
   */
  log(): PowerLog {
    const rows = this.#rows;
    const last = rows.at(-1);
    const footer = this.#footer;
    const energy = footer.size > 0 ? domainEnergy(footer) : last ? domainEnergy(last) : [];
    const elapsed = footer.get("Total Elapsed Time (sec)") ?? last?.get("Elapsed Time (sec)");
    const result: PowerLog = { columns: this.#columns, rows: [...rows], footer, energy };
    if (typeof elapsed === "number") result.elapsedSeconds = elapsed;
    return result;
  }

  #header(columns: string[], line: number): void {
    if (!columns.includes("Elapsed Time (sec)")) {
      throw new PowerLogParseError(
        this.source,
        line,
        `expected a header with "Elapsed Time (sec)" but found ${
          JSON.stringify(columns.join(","))
        }`,
      );
    }
    this.#columns = columns;
  }

  #row(fields: string[], line: number): void {
    const columns = this.#columns;
    if (fields.length !== columns.length) {
      throw new PowerLogParseError(
        this.source,
        line,
        `expected ${columns.length} columns but found ${fields.length}`,
      );
    }
    const row = new Map<string, number | string>();
    columns.forEach((column, c) => {
      const value = fields[c]!;
      const problem = valueProblem(column, value);
      if (problem) {
        throw new PowerLogParseError(this.source, line, `column "${column}" ${problem}`);
      }
      row.set(column, NUMBER.test(value) ? Number(value) : value);
    });
    if (this.options.keepRows === false) this.#rows = [row];
    else this.#rows.push(row);
    this.#rowCount++;
  }
}

/** Line ends in a text: the lines a push of it took. */
function countLines(text: string): number {
  let count = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) count++;
  return count;
}

/** Why a value cannot be in its column (or footer key), or undefined when it can. */
function valueProblem(column: string, value: string): string | undefined {
  const amount = AMOUNT_COLUMN.test(column);
  if (!NUMBER.test(value)) return amount ? `is not a decimal number: "${value}"` : undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) return `is too large: "${value.slice(0, 40)}..."`;
  if (!amount) return undefined;
  if (number < 0) return `is ${value}; energy, power and time cannot be negative`;
  return undefined;
}

/**
 * Reads cumulative energy per domain from a row or the footer, preferring joules to mWh.
 *
 * @param values Column (or footer key) -> value.
 * @returns Energy per domain and package.
 */
function domainEnergy(values: Map<string, number | string>): PowerLogDomainEnergy[] {
  const found = new Map<string, PowerLogDomainEnergy & { unit: string }>();
  for (const [key, value] of values) {
    const match = CUMULATIVE.exec(key);
    if (!match || typeof value !== "number") continue;
    const [, domain, pkg, unit] = match;
    const id = `${domain}_${pkg}`;
    const joules = unit === "mWh" ? value * JOULES_PER_MWH : value;
    const seen = found.get(id);
    if (seen && seen.unit === "Joules") continue;
    found.set(id, {
      domain: domain!,
      packageIndex: Number(pkg),
      energyJoules: joules,
      unit: unit!,
    });
  }
  return [...found.values()].map(({ domain, packageIndex, energyJoules }) => ({
    domain,
    packageIndex,
    energyJoules,
  }));
}

/** The PowerLog domains that become devices, and as what: `IA` and `GT` lie inside the package. */
const DOMAIN_DEVICES: Record<string, { component: Component; prefix: string }> = {
  Processor: { component: "cpu", prefix: "package" },
  DRAM: { component: "dram", prefix: "dram" },
};

/**
 * Maps PowerLog domains to devices: `Processor_N` -> cpu `package-N`, `DRAM_N` -> dram `dram-N`.
 *
 * @param energy Energy per domain, as {@link parsePowerLog} returns it.
 * @param row A data row: each device's `<domain> Power_N(Watt)` from it, where it is a number.
 * @returns Devices with cumulative joules (method `counter`).
 */
export function powerLogDevices(
  energy: PowerLogDomainEnergy[],
  row?: Map<string, number | string>,
): DeviceEnergy[] {
  return energy.flatMap((d): DeviceEnergy[] => {
    const as = DOMAIN_DEVICES[d.domain];
    if (!as) return [];
    const device: DeviceEnergy = {
      component: as.component,
      device: `${as.prefix}-${d.packageIndex}`,
      method: "counter",
      energyJoules: d.energyJoules,
    };
    const watts = row?.get(`${d.domain} Power_${d.packageIndex}(Watt)`);
    if (typeof watts === "number") device.powerWatts = watts;
    return [device];
  });
}

/**
 * Intel Power Gadget's `PowerLog` file: CSV with every field quoted, numbers space-padded
 * inside the quotes, a blank line, then a footer of `"Key (unit) = value"` lines with the run's
 * totals (written only when PowerLog finishes on its own). Pure: text in, values out, errors
 * naming the file, line and column.
 *
 * @module
 */
import type { DeviceEnergy } from "../types.ts";
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

/**
 * Splits one CSV line with double-quoted fields (`""` inside quotes is a quote).
 *
 * @param line One line.
 * @returns The fields, unquoted and trimmed.
 */
export function splitQuotedCsv(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ",") {
      fields.push(field.trim());
      field = "";
    } else {
      field += char;
    }
  }
  fields.push(field.trim());
  return fields;
}

const NUMBER = /^-?\d+(?:\.\d+)?(?:e[-+]?\d+)?$/i;
/** Data column `Cumulative Processor Energy_0(Joules)`; footer key has a space before `(`. */
const CUMULATIVE = /^Cumulative (.+) Energy_(\d+)\s?\((Joules|mWh)\)$/;
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
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  if (options.partial && !text.endsWith("\n")) lines.pop();
  const headerIndex = lines.findIndex((l) => l.trim() !== "");
  if (headerIndex < 0) return { columns: [], rows: [], footer: new Map(), energy: [] };
  const columns = splitQuotedCsv(lines[headerIndex]!);
  if (!columns.includes("Elapsed Time (sec)")) {
    throw new PowerLogParseError(
      source,
      headerIndex + 1,
      `expected a header with "Elapsed Time (sec)" but found ${JSON.stringify(lines[headerIndex])}`,
    );
  }
  const rows: Map<string, number | string>[] = [];
  const footer = new Map<string, number | string>();
  let inFooter = false;
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") {
      if (rows.length > 0) inFooter = true;
      continue;
    }
    const fields = splitQuotedCsv(line);
    const footerMatch = fields.length === 1 ? /^(.+?)\s*=\s*(.*)$/.exec(fields[0]!) : null;
    if (inFooter || footerMatch) {
      if (!footerMatch) {
        throw new PowerLogParseError(source, i + 1, `expected "Key (unit) = value" in the footer`);
      }
      inFooter = true;
      const value = footerMatch[2]!.trim();
      footer.set(footerMatch[1]!, NUMBER.test(value) ? Number(value) : value);
      continue;
    }
    if (fields.length !== columns.length) {
      throw new PowerLogParseError(
        source,
        i + 1,
        `expected ${columns.length} columns but found ${fields.length}`,
      );
    }
    const row = new Map<string, number | string>();
    columns.forEach((column, c) => {
      const value = fields[c]!;
      if (CUMULATIVE.test(column) && !NUMBER.test(value)) {
        throw new PowerLogParseError(
          source,
          i + 1,
          `column "${column}" is not a number: "${value}"`,
        );
      }
      row.set(column, NUMBER.test(value) ? Number(value) : value);
    });
    rows.push(row);
  }
  const last = rows.at(-1);
  const energy = footer.size > 0 ? domainEnergy(footer) : last ? domainEnergy(last) : [];
  const elapsed = footer.get("Total Elapsed Time (sec)") ?? last?.get("Elapsed Time (sec)");
  const result: PowerLog = { columns, rows, footer, energy };
  if (typeof elapsed === "number") result.elapsedSeconds = elapsed;
  return result;
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

/**
 * Maps PowerLog domains to devices: `Processor_N` -> cpu `package-N`, `DRAM_N` -> dram `dram-N`.
 *
 * @param energy Energy per domain, as {@link parsePowerLog} returns it.
 * @returns Devices with cumulative joules (method `counter`).
 */
export function powerLogDevices(energy: PowerLogDomainEnergy[]): DeviceEnergy[] {
  return energy.flatMap((d): DeviceEnergy[] => {
    if (d.domain === "Processor") {
      return [{
        component: "cpu",
        device: `package-${d.packageIndex}`,
        method: "counter",
        energyJoules: d.energyJoules,
      }];
    }
    if (d.domain === "DRAM") {
      return [{
        component: "dram",
        device: `dram-${d.packageIndex}`,
        method: "counter",
        energyJoules: d.energyJoules,
      }];
    }
    return [];
  });
}

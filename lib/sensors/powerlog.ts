/**
 * Intel Power Gadget's `PowerLog` (macOS on Intel): a parser for its CSV (every field quoted,
 * numbers space-padded inside the quotes, a blank line, then a footer of
 * `"Key (unit) = value"` lines with the run's totals) and a sensor that runs it.
 *
 * The sensor runs ONE `PowerLog -resolution <ms> -duration <s> -file <tmp>` for the whole
 * job (duration a week by default; it is stopped with SIGTERM at close) and reads the file's
 * last complete row at each read(). The footer is only written when PowerLog finishes on its
 * own, so it serves parsing a finished file, not the live run.
 *
 * Method `counter`: the "Cumulative ... Energy" columns are PowerLog's running sum of the
 * RAPL energy-status MSR deltas (the power column is that delta over the row's time, not the
 * other way round), so a difference of two rows is exact, like reading RAPL directly. Only
 * the package (`Processor`, as cpu) and `DRAM` domains become devices: `IA` (cores) and `GT`
 * (graphics) lie inside the package and would be counted twice.
 *
 * @module
 */

import { unavailableStatus } from "./status.ts";
import { stopChild } from "./child_stream.ts";
import type { Runtime } from "../runtime.ts";
import type { DeviceEnergy, SensorStatus } from "../types.ts";
import { type EnergySensor, SensorError } from "./types.ts";

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

const NAME = "powerlog";
const DEFAULT_EXECUTABLE = "/Applications/Intel Power Gadget/PowerLog";
const WEEK_SECONDS = 7 * 24 * 3600;
const FIX =
  "Install Intel Power Gadget (Intel Macs; Intel stopped distributing it in 2023) or set IMPACT_POWERLOG to its PowerLog";

/** Options of {@link createPowerLogSensor}. */
export interface PowerLogOptions {
  /** PowerLog's `-resolution`, milliseconds. */
  resolutionMs: number;
  /** The executable; default `$IMPACT_POWERLOG`, else Intel Power Gadget's install path. */
  executable?: string;
  /** `-duration` of the run, seconds (default a week; close() stops it earlier). */
  durationSeconds?: number;
  /** `-duration` of the probe run, seconds (default 1). */
  probeDurationSeconds?: number;
  /** How long read() waits for the first row before it fails, ms (default 5000 or 3 rows). */
  firstRowTimeoutMs?: number;
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

/**
 * Creates the PowerLog sensor (macOS, Intel).
 *
 * @param runtime Where PowerLog is spawned and its file read.
 * @param options Resolution and executable.
 * @returns The sensor.
 */
export function createPowerLogSensor(runtime: Runtime, options: PowerLogOptions): EnergySensor {
  const executable = options.executable ?? runtime.env("IMPACT_POWERLOG") ?? DEFAULT_EXECUTABLE;
  const tmp = runtime.env("TMPDIR")?.replace(/\/$/, "") || "/tmp";
  const unique = `${runtime.now()}-${Math.floor(Math.random() * 1e9)}`;
  const file = `${tmp}/impact-powerlog-${unique}.csv`;
  const firstRowTimeoutMs = options.firstRowTimeoutMs ??
    Math.max(5000, 3 * options.resolutionMs);
  let status: SensorStatus | undefined;
  let child: Deno.ChildProcess | undefined;
  let exited: Deno.CommandStatus | undefined;
  let startedAtMs = 0;

  const remove = (path: string) => runtime.output("rm", { args: ["-f", path] }).catch(() => {});
  const unavailable = (reason: string): SensorStatus =>
    unavailableStatus(NAME, reason, { fix: FIX });

  async function probeOnce(): Promise<SensorStatus> {
    const probeFile = `${tmp}/impact-powerlog-probe-${unique}.csv`;
    try {
      const out = await runtime.output(executable, {
        args: [
          "-resolution",
          String(Math.min(options.resolutionMs, 500)),
          "-duration",
          String(options.probeDurationSeconds ?? 1),
          "-file",
          probeFile,
        ],
      });
      if (out.code !== 0) {
        const said = `${out.stdout}\n${out.stderr}`.split("\n").map((l) => l.trim()).find(Boolean);
        return unavailable(`PowerLog exited with code ${out.code}${said ? `: ${said}` : ""}`);
      }
      const log = parsePowerLog(await runtime.readTextFile(probeFile), probeFile);
      const devices = powerLogDevices(log.energy);
      if (devices.length === 0) return unavailable("PowerLog wrote no package energy column");
      return {
        sensor: NAME,
        available: true,
        methods: ["counter"],
        devices: devices.map((d) => d.device),
        detail: { executable, domains: log.energy.map((d) => `${d.domain}_${d.packageIndex}`) },
      };
    } finally {
      await remove(probeFile);
    }
  }

  return {
    name: NAME,
    async probe() {
      status ??= await probeOnce().catch((error: unknown) =>
        error instanceof Deno.errors.NotFound
          ? unavailable(`PowerLog was not found at ${executable}`)
          : unavailable(`PowerLog could not be run: ${(error as Error).message}`)
      );
      return status;
    },
    async start() {
      const found = await this.probe();
      if (!found.available) throw new SensorError(NAME, found.reason ?? "unavailable");
      const args = [
        "-resolution",
        String(options.resolutionMs),
        "-duration",
        String(options.durationSeconds ?? WEEK_SECONDS),
        "-file",
        file,
      ];
      const process = runtime.spawn(executable, {
        args,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      });
      child = process;
      exited = undefined;
      process.status.then((s) => exited = s);
      startedAtMs = runtime.monotonicMs();
    },
    async read() {
      if (!child) throw new SensorError(NAME, "read() before start()");
      let text = "";
      try {
        text = await runtime.readTextFile(file);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) {
          throw new SensorError(NAME, `${file} could not be read`, { cause: error });
        }
      }
      let log: PowerLog;
      try {
        log = parsePowerLog(text, file, { partial: true });
      } catch (error) {
        throw new SensorError(NAME, (error as Error).message, { cause: error });
      }
      if (log.rows.length === 0) {
        if (exited) {
          throw new SensorError(
            NAME,
            `PowerLog exited with code ${exited.code} before writing a row`,
          );
        }
        if (runtime.monotonicMs() - startedAtMs > firstRowTimeoutMs) {
          throw new SensorError(
            NAME,
            `PowerLog wrote no rows to ${file} in ${firstRowTimeoutMs} ms`,
          );
        }
        return [];
      }
      if (exited) {
        throw new SensorError(NAME, `PowerLog exited with code ${exited.code} during the run`);
      }
      const row = log.rows.at(-1)!;
      return powerLogDevices(log.energy).map((device) => {
        const domain = device.component === "cpu" ? "Processor" : "DRAM";
        const index = device.device.split("-")[1];
        const watts = row.get(`${domain} Power_${index}(Watt)`);
        return typeof watts === "number" ? { ...device, powerWatts: watts } : device;
      });
    },
    async close() {
      const process = child;
      child = undefined;
      if (process) {
        await stopChild(process, process.status);
        await remove(file);
      }
    },
  };
}

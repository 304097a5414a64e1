/**
 * `powermetrics --samplers cpu_power,gpu_power` text output (Apple Silicon on macOS 12 and
 * 13+, and Intel Macs, whose one power line is `Intel energy model derived package power
 * (CPUs+GT+SA): 1.56W`): a streaming parser that completes a sample at its last power line,
 * and a whole-text parser. Pure: lines in, samples out, errors naming the line and the field.
 *
 * @module
 */
import { parseDecimal } from "../decimal.ts";

/** One powermetrics sample. Powers in watts; absent when the line was not printed. */
export interface PowermetricsSample {
  /** The sample's window, from its header's "(N ms elapsed)". */
  elapsedMs: number;
  /** The header's local time text, e.g. `Mon Mar  3 09:15:40 2025 +0200`. */
  time: string;
  cpuWatts?: number;
  gpuWatts?: number;
  aneWatts?: number;
  dramWatts?: number;
  /** `Combined Power (CPU + GPU + ANE)`, macOS 13 and newer. */
  combinedWatts?: number;
  /** `Package Power`, macOS 12. */
  packageWatts?: number;
  /**
   * Intel Macs: `Intel energy model derived package power (CPUs+GT+SA)`, the whole chip (cores,
   * integrated GPU and system agent), as RAPL's package domain.
   */
  intelPackageWatts?: number;
}

/** A powermetrics line that could not be parsed. */
export class PowermetricsParseError extends Error {
  /**
   * @param line 1-based line number in the output.
   * @param message What was wrong, naming the field.
   */
  constructor(readonly line: number, message: string) {
    super(`powermetrics line ${line}: ${message}`);
    this.name = "PowermetricsParseError";
  }
}

const HEADER = /^\*\*\* Sampled system activity \((.*)\) \(([^)]*?)\s*ms elapsed\) \*\*\*$/;
// The value may touch its unit: Intel Macs print `1.56W`, Apple Silicon `125 mW`.
const POWER =
  /^(CPU|GPU|ANE|DRAM|Package|Combined|Intel energy model derived package) Power(?: \([^)]*\))?:\s*(\S+?)\s*(mW|W)$/i;
const FIELD: Record<string, keyof PowermetricsSample> = {
  CPU: "cpuWatts",
  GPU: "gpuWatts",
  ANE: "aneWatts",
  DRAM: "dramWatts",
  Combined: "combinedWatts",
  Package: "packageWatts",
  "Intel energy model derived package": "intelPackageWatts",
};
/** The last power line of a sample's CPU block. */
const LAST_LINE = new Set(["Combined", "Package", "Intel energy model derived package"]);

/**
 * Parses powermetrics output line by line, as it streams. A sample is complete at its
 * `Combined Power` / `Package Power` line (the last power line of the CPU block), or at the
 * next sample's header, or at {@link PowermetricsParser.end}.
 */
export class PowermetricsParser {
  #current: PowermetricsSample | undefined;
  #line = 0;

  /**
   * Feeds one line.
   *
   * @param line One output line, without its newline.
   * @returns The samples this line completed (zero or one).
   */
  push(line: string): PowermetricsSample[] {
    this.#line += 1;
    const text = line.replace(/\r$/, "").trim();
    const header = HEADER.exec(text);
    if (header) {
      const done = this.end();
      const elapsedMs = parseDecimal(header[2]!);
      if (elapsedMs === undefined || elapsedMs < 0) {
        throw new PowermetricsParseError(
          this.#line,
          `elapsed time "${header[2]}" is not a decimal number of at least 0`,
        );
      }
      this.#current = { elapsedMs, time: header[1]! };
      return done;
    }
    const power = POWER.exec(text);
    if (!power || !this.#current) return [];
    // powermetrics prints whole milliwatts (or decimal watts), never a sign, hex or exponent.
    const value = parseDecimal(power[2]!);
    if (value === undefined || value < 0) {
      throw new PowermetricsParseError(
        this.#line,
        `${power[1]} Power "${power[2]}" is not a decimal number of at least 0`,
      );
    }
    const watts = power[3] === "mW" ? value / 1000 : value;
    const field = FIELD[power[1]!];
    if (field === undefined) return [];
    // GPU Power is printed twice on macOS 13+ (CPU block and GPU block): keep the first.
    if (this.#current[field] === undefined) {
      (this.#current as unknown as Record<string, number>)[field] = watts;
    }
    if (LAST_LINE.has(power[1]!)) return this.end();
    return [];
  }

  /**
   * Completes the sample in progress (at end of output).
   *
   * @returns That sample, if one had any power line.
   */
  end(): PowermetricsSample[] {
    const sample = this.#current;
    this.#current = undefined;
    if (!sample) return [];
    const hasPower = Object.keys(FIELD).some((k) => sample[FIELD[k]!] !== undefined);
    return hasPower ? [sample] : [];
  }
}

/**
 * Parses whole powermetrics output.
 *
 * @param text The output (any number of samples).
 * @returns The samples in order.
 */
export function parsePowermetrics(text: string): PowermetricsSample[] {
  const parser = new PowermetricsParser();
  const samples = text.split("\n").flatMap((line) => parser.push(line));
  return [...samples, ...parser.end()];
}

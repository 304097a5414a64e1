/**
 * Pure parsers for `amd-smi` output: JSON documents (whose root moved from an array to
 * `{"gpu_data": [...]}`, with Python warnings sometimes printed first), every number either
 * bare or `{"value", "unit"}`, `"N/A"` for what a GPU lacks; and the CSV of
 * `amd-smi metric --watch N --csv`, which repeats its header before every round of rows.
 *
 * @module
 */
import { parseDecimal } from "../decimal.ts";

/** An amd-smi line or document that could not be parsed. */
export class AmdSmiParseError extends Error {
  /**
   * @param source What was parsed (the command), for the message.
   * @param message What was wrong, naming the line or field.
   */
  constructor(readonly source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = "AmdSmiParseError";
  }
}

/** One GPU object of a JSON document (`{"gpu": 0, ...}`). */
export type AmdSmiGpuObject = Record<string, unknown> & { gpu: number };

/**
 * Parses an amd-smi JSON document into its per-GPU objects, whichever root it has, skipping
 * warning lines printed before it.
 *
 * @param text The command's stdout.
 * @param source The command, for messages.
 * @returns The GPU objects, in order.
 * @throws {AmdSmiParseError} When no JSON document is found or an entry has no `gpu` index.
 * @example Both roots
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { parseAmdSmiJson } from "./amd_smi_parse.ts";
 *
 * deepEqual(parseAmdSmiJson('[{"gpu": 0}]', "amd-smi list").map((g) => g.gpu), [0]);
 * const wrapped = 'SyntaxWarning: x\n{"gpu_data": [{"gpu": 1}]}';
 * deepEqual(parseAmdSmiJson(wrapped, "amd-smi list").map((g) => g.gpu), [1]);
 * ```
 */
export function parseAmdSmiJson(text: string, source: string): AmdSmiGpuObject[] {
  const lines = text.split("\n");
  const first = lines.findIndex((l) => /^\s*[[{]/.test(l));
  if (first < 0) throw new AmdSmiParseError(source, "no JSON document in the output");
  let root: unknown;
  try {
    root = JSON.parse(lines.slice(first).join("\n"));
  } catch (error) {
    throw new AmdSmiParseError(
      source,
      `the JSON from line ${first + 1} does not parse: ${(error as Error).message}`,
    );
  }
  const list = Array.isArray(root) ? root : (root as { gpu_data?: unknown })?.gpu_data ?? undefined;
  if (!Array.isArray(list)) {
    throw new AmdSmiParseError(source, 'the JSON is neither an array nor {"gpu_data": [...]}');
  }
  return list.map((entry, i) => {
    const gpu = (entry as { gpu?: unknown })?.gpu;
    if (typeof gpu !== "number") {
      throw new AmdSmiParseError(source, `entry ${i} has no "gpu" index`);
    }
    return entry as AmdSmiGpuObject;
  });
}

/**
 * Reads a number amd-smi printed bare (`300`, `"300"`) or with its unit
 * (`{"value": 300, "unit": "W"}`); `"N/A"` and anything else is undefined.
 *
 * @param value The JSON value.
 * @returns The number, or undefined.
 */
export function amdSmiNumber(value: unknown): number | undefined {
  const raw = typeof value === "object" && value !== null && "value" in value
    ? (value as { value: unknown }).value
    : value;
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
  return typeof raw === "string" ? parseDecimal(raw) : undefined;
}

/**
 * Reads a string field, undefined for `"N/A"` or anything that is not text.
 *
 * @param value The JSON value.
 * @returns The text, trimmed.
 */
function amdSmiText(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" && value.trim() !== "N/A"
    ? value.trim()
    : undefined;
}

/** A GPU as `amd-smi list --json` and `static --asic --limit --json` describe it. */
export interface AmdSmiGpu {
  /** amd-smi's index (`--gpu N`), the ROCm runtime's ordinal. */
  index: number;
  /** PCI address, e.g. `0000:23:00.0`. */
  bdf?: string;
  uuid?: string;
  /** KFD's gpu id (`/sys/class/kfd/kfd/topology/nodes/N/gpu_id`), for its processes. */
  kfdId?: number;
  /** Compute partition index on its physical GPU (MI300 CPX/DPX: 0..7). */
  partitionId?: number;
  /** `AMD Instinct MI210`. */
  name?: string;
  /** PCI device id, lower-case hex without `0x`: `740f`. */
  deviceId?: string;
  /** ASIC serial, lower-case hex without `0x`: the ROCm runtime's `GPU-<serial>` UUID. */
  asicSerial?: string;
  /** Socket power limit, W. */
  powerLimitWatts?: number;
  /** The most the socket power limit may be raised to (`limit.max_power`), W. */
  maxPowerLimitWatts?: number;
}

/**
 * Joins `amd-smi list --json` and `amd-smi static --asic --limit --json` by GPU index.
 *
 * @param listText `amd-smi list --json` stdout.
 * @param staticText `amd-smi static --asic --limit --json` stdout (undefined when it failed).
 * @returns One entry per GPU, by index.
 */
export function parseAmdSmiGpus(listText: string, staticText: string | undefined): AmdSmiGpu[] {
  const list = parseAmdSmiJson(listText, "amd-smi list --json");
  const statics = staticText === undefined
    ? []
    : parseAmdSmiJson(staticText, "amd-smi static --asic --limit --json");
  return list.map((entry) => {
    const gpu: AmdSmiGpu = { index: entry.gpu };
    const info = statics.find((s) => s.gpu === entry.gpu) ?? { gpu: entry.gpu };
    const asic = (info.asic ?? {}) as Record<string, unknown>;
    const limit = (info.limit ?? {}) as Record<string, unknown>;
    const bdf = amdSmiText(entry.bdf) ?? amdSmiText((info.bus as { bdf?: unknown })?.bdf);
    if (bdf !== undefined) gpu.bdf = bdf.toLowerCase();
    const uuid = amdSmiText(entry.uuid);
    if (uuid !== undefined) gpu.uuid = uuid;
    const kfdId = amdSmiNumber(entry.kfd_id);
    if (kfdId !== undefined) gpu.kfdId = kfdId;
    const partitionId = amdSmiNumber(entry.partition_id);
    if (partitionId !== undefined) gpu.partitionId = partitionId;
    const name = amdSmiText(asic.market_name);
    if (name !== undefined) gpu.name = name.startsWith("AMD") ? name : `AMD ${name}`;
    const deviceId = amdSmiText(asic.device_id);
    if (deviceId !== undefined) gpu.deviceId = deviceId.replace(/^0x/i, "").toLowerCase();
    const serial = amdSmiText(asic.asic_serial);
    if (serial !== undefined && /^(0x)?[0-9a-f]+$/i.test(serial)) {
      gpu.asicSerial = serial.replace(/^0x/i, "").toLowerCase();
    }
    const maxWatts = amdSmiNumber(limit.max_power);
    const watts = amdSmiNumber(limit.socket_power) ?? maxWatts;
    if (watts !== undefined && watts > 0) gpu.powerLimitWatts = watts;
    if (maxWatts !== undefined && maxWatts > 0) gpu.maxPowerLimitWatts = maxWatts;
    return gpu;
  });
}

/** One GPU's power and energy at one instant. */
export interface AmdSmiMetric {
  index: number;
  /** Socket power, W (current on MI300 and later, average before). */
  socketWatts?: number;
  /** The energy accumulator, J (counter x resolution). */
  energyJoules?: number;
}

const POWER_COLUMNS = ["socket_power", "current_socket_power", "average_socket_power"];
const ENERGY_COLUMNS = ["total_energy_consumption"];

/**
 * Reads power and energy from `amd-smi metric --power --energy --json`.
 *
 * @param text The command's stdout.
 * @returns Per GPU, what it reports.
 */
export function parseAmdSmiMetricJson(text: string): AmdSmiMetric[] {
  return parseAmdSmiJson(text, "amd-smi metric --power --energy --json").map((entry) => {
    const metric: AmdSmiMetric = { index: entry.gpu };
    const power = (entry.power ?? {}) as Record<string, unknown>;
    const energy = (entry.energy ?? {}) as Record<string, unknown>;
    const watts = POWER_COLUMNS.map((c) => amdSmiNumber(power[c])).find((w) => w !== undefined);
    if (watts !== undefined) metric.socketWatts = watts;
    const joules = ENERGY_COLUMNS.map((c) => amdSmiNumber(energy[c])).find((j) => j !== undefined);
    if (joules !== undefined) metric.energyJoules = joules;
    return metric;
  });
}

/** Reads the rows of `amd-smi metric --power --energy --watch N --csv`, line by line. */
export interface AmdSmiCsvStream {
  /**
   * Takes one output line: a header sets the columns, a data row gives a metric; the watch
   * banner and blank lines give nothing.
   *
   * @param line One line.
   * @param lineNumber 1-based, for messages.
   * @returns The row's metric, or undefined for a line that is not a data row.
   * @throws {AmdSmiParseError} For a data row before any header or with the wrong field count.
   */
  line(line: string, lineNumber: number): AmdSmiMetric | undefined;
}

/**
 * Starts reading a watched CSV stream.
 *
 * @returns The line reader.
 * @example The MI210 capture's first round
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { amdSmiCsvStream } from "./amd_smi_parse.ts";
 *
 * const stream = amdSmiCsvStream();
 * const lines = ["'CTRL' + 'C' to stop watching output:", "timestamp,gpu,total_energy_consumption",
 *   "1722959154,0,20909145.914"];
 * deepEqual(lines.map((l, i) => stream.line(l, i + 1)).at(-1),
 *   { index: 0, energyJoules: 20909145.914 });
 * ```
 */
export function amdSmiCsvStream(): AmdSmiCsvStream {
  let columns: string[] | undefined;
  let gpuAt = -1;
  let powerAt = -1;
  let energyAt = -1;
  return {
    line(line, lineNumber) {
      const text = line.trim();
      if (text === "") return undefined;
      const cells = splitCsv(text);
      if (!/^\d/.test(text)) {
        if (!cells.includes("gpu")) return undefined; // the watch banner
        columns = cells;
        gpuAt = cells.indexOf("gpu");
        powerAt = cells.findIndex((c) => POWER_COLUMNS.includes(c));
        energyAt = cells.findIndex((c) => ENERGY_COLUMNS.includes(c));
        return undefined;
      }
      const source = "amd-smi metric --csv";
      if (!columns) {
        throw new AmdSmiParseError(source, `line ${lineNumber}: a data row before any header`);
      }
      if (cells.length !== columns.length) {
        throw new AmdSmiParseError(
          source,
          `line ${lineNumber}: ${cells.length} fields where the header has ${columns.length}: ${
            JSON.stringify(line)
          }`,
        );
      }
      const index = amdSmiNumber(cells[gpuAt]);
      if (index === undefined) {
        throw new AmdSmiParseError(source, `line ${lineNumber}: no GPU index in "${cells[gpuAt]}"`);
      }
      const metric: AmdSmiMetric = { index };
      const watts = powerAt < 0 ? undefined : amdSmiNumber(cells[powerAt]);
      if (watts !== undefined) metric.socketWatts = watts;
      const joules = energyAt < 0 ? undefined : amdSmiNumber(cells[energyAt]);
      if (joules !== undefined) metric.energyJoules = joules;
      return metric;
    },
  };
}

/** Splits a CSV line as Python's csv module writes it (quotes around fields with commas). */
function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(",").map((c) => c.trim());
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') cell += line[++i];
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

/**
 * Pure parsers for nvidia-smi output: `--query-gpu` / `--query-compute-apps` CSV (with or
 * without header and units), placeholder values such as `[N/A]`, `-q -x` XML version and
 * power fields (the power element moved between drivers), `--version` and failure text.
 *
 * @module
 */
import { parseDecimal, parseWholeNumber } from "../decimal.ts";

/** A bracketed placeholder nvidia-smi prints instead of a value, e.g. `[N/A]`. */
export interface Placeholder {
  placeholder: string;
}

/** One cell of a query row: a number, a text, or a placeholder. */
export type CellValue = number | string | Placeholder;

/**
 * One data row of a query: each field's cell as printed (trimmed). Cells are read through
 * {@link numberField} and {@link textField}, so text that looks like a number stays the text
 * nvidia-smi printed (`595.80`, serial `0000000000000`).
 */
export type CsvRow = Map<string, string>;

/** A query column: the field name and the unit the header announced (`W`, `%`, `MiB`). */
export interface CsvColumn {
  field: string;
  unit?: string;
}

/** An nvidia-smi output line that could not be parsed. */
export class NvidiaSmiParseError extends Error {
  /**
   * @param source What was parsed (command or file), for the message.
   * @param line 1-based line number within that output.
   * @param message What was wrong, naming the field.
   */
  constructor(readonly source: string, readonly line: number, message: string) {
    super(`${source} line ${line}: ${message}`);
    this.name = "NvidiaSmiParseError";
  }
}

const PLACEHOLDER = /^\[[^\]]*\]$/;
const UNIT_SUFFIX = /^(-?\d+(?:\.\d+)?)\s*(W|%|MiB|MHz|C|KB\/s)$/;

/** Whether text is `-?\d+(\.\d+)?` (what nvidia-smi prints for a number without its unit). */
function isPlainDecimal(text: string): boolean {
  let i = text.charCodeAt(0) === 45 ? 1 : 0; // "-"
  const digitsFrom = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  if (i === digitsFrom) return false;
  if (i === text.length) return true;
  if (text.charCodeAt(i) !== 46) return false; // "."
  const fractionFrom = ++i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i > fractionFrom && i === text.length;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Tells whether a cell is a placeholder such as `[N/A]`, `[Not Supported]`, `[GPU is lost]`.
 *
 * @param value A cell as returned by {@link parseCell}.
 * @returns True for placeholders.
 */
export function isPlaceholder(value: CellValue | undefined): value is Placeholder {
  return typeof value === "object" && value !== null;
}

/**
 * Splits one CSV line as nvidia-smi writes it: fields joined by `", "`, never quoted.
 *
 * @param line One output line.
 * @returns The trimmed fields.
 */
export function splitCsvLine(line: string): string[] {
  return line.split(",").map((cell) => cell.trim());
}

/**
 * Parses a header line (`power.draw [W], utilization.gpu [%], name`) into columns.
 *
 * @param line The header line (its units stay even with `nounits`).
 * @returns The columns in order.
 */
export function parseCsvHeader(line: string): CsvColumn[] {
  return splitCsvLine(line).map((cell) => {
    const match = /^(.+?)\s*\[([^\]]+)\]$/.exec(cell);
    return match ? { field: match[1]!, unit: match[2]! } : { field: cell };
  });
}

/**
 * Parses one cell: a placeholder, a number (with or without its unit suffix), or text.
 *
 * @param raw The trimmed cell text.
 * @returns The placeholder, the number, or the text as is.
 */
export function parseCell(raw: string): CellValue {
  // Most cells of the stream are plain decimals: a character scan, no regex.
  if (isPlainDecimal(raw)) return Number(raw);
  if (PLACEHOLDER.test(raw)) return { placeholder: raw };
  if (raw === "N/A" || raw === "Not Supported") return { placeholder: `[${raw}]` };
  const withUnit = UNIT_SUFFIX.exec(raw);
  if (withUnit) return Number(withUnit[1]);
  return raw;
}

/**
 * Parses one data row of a query into field -> value, checking the column count and that each
 * numeric field holds what nvidia-smi can print there: a placeholder, or a number in the
 * field's range (no negative power or memory, utilisation within 0-100 %, whole positive
 * pids).
 *
 * @param line The data line.
 * @param fields The queried fields, in order.
 * @param source What produced it, for error messages.
 * @param lineNumber 1-based line number, for error messages.
 * @returns Each field's cell.
 * @throws {NvidiaSmiParseError} Naming the line and the field, for a wrong column count or a
 *   value the field cannot hold.
 */
export function parseCsvRow(
  line: string,
  fields: readonly string[],
  source = "nvidia-smi",
  lineNumber = 1,
): CsvRow {
  const cells = splitCsvLine(line);
  if (cells.length !== fields.length) {
    throw new NvidiaSmiParseError(
      source,
      lineNumber,
      `expected ${fields.length} fields (${fields.join(",")}) but found ${cells.length}: ${
        JSON.stringify(line)
      }`,
    );
  }
  const row: CsvRow = new Map();
  fields.forEach((field, i) => {
    const cell = cells[i]!;
    const problem = cellProblem(field, cell);
    if (problem) {
      throw new NvidiaSmiParseError(source, lineNumber, `field ${field} ${problem}`);
    }
    row.set(field, cell);
  });
  return row;
}

/** The values a numeric query field can hold (nvidia-smi(1): units and ranges per field). */
interface FieldRange {
  min: number;
  max: number;
  whole: boolean;
  what: string;
}

const PERCENT: FieldRange = { min: 0, max: 100, whole: false, what: "a percentage, 0 to 100" };
const AMOUNT: FieldRange = { min: 0, max: Infinity, whole: false, what: "a number of at least 0" };
const INDEX: FieldRange = {
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  whole: true,
  what: "a whole number of at least 0",
};
const PID: FieldRange = { ...INDEX, min: 1, what: "a process id (a whole number above 0)" };

/** The range of a numeric field, or undefined for text fields (names, uuids, versions, modes). */
function fieldRange(field: string): FieldRange | undefined {
  if (field === "pid") return PID;
  if (field === "index" || field === "minor_number") return INDEX;
  if (field.startsWith("utilization.") || field === "fan.speed") return PERCENT;
  if (field === "power.management") return undefined;
  if (
    field.startsWith("power.") || field.startsWith("enforced.power.") ||
    field.startsWith("memory.") || field === "used_memory" || field === "used_gpu_memory" ||
    field.startsWith("clocks.") || field === "total_energy_consumption"
  ) return AMOUNT;
  return undefined;
}

/**
 * Why a cell cannot be the field's value (a negative power, a utilisation of 150 %, a
 * fractional pid, text where nvidia-smi prints a number), or undefined when it can.
 */
function cellProblem(field: string, raw: string): string | undefined {
  const range = fieldRange(normaliseField(field));
  if (range === undefined) return undefined;
  const value = parseCell(raw);
  if (isPlaceholder(value)) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return `is ${JSON.stringify(raw)}, not ${range.what}`;
  }
  if ((range.whole && !Number.isInteger(value)) || value < range.min || value > range.max) {
    return `is ${raw}, not ${range.what}`;
  }
  return undefined;
}

/**
 * Parses whole query output, with or without a header line. When a header is present its
 * fields must match the queried ones (units removed); blank lines are skipped.
 *
 * @param text The command's stdout.
 * @param fields The queried fields, in order.
 * @param source What produced it, for error messages.
 * @returns One row per data line.
 */
export function parseCsvTable(
  text: string,
  fields: readonly string[],
  source = "nvidia-smi",
): CsvRow[] {
  const rows: CsvRow[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") return;
    if (rows.length === 0 && isHeaderOf(line, fields)) return;
    rows.push(parseCsvRow(line, fields, source, i + 1));
  });
  return rows;
}

/** nvidia-smi names `used_memory` `used_gpu_memory` in headers; both name one field. */
const normaliseField = (field: string) => field === "used_gpu_memory" ? "used_memory" : field;

function isHeaderOf(line: string, fields: readonly string[]): boolean {
  const columns = parseCsvHeader(line).map((c) => c.field);
  return columns.length === fields.length &&
    columns.every((c, i) => normaliseField(c) === normaliseField(fields[i]!));
}

/**
 * The fields a header line names, or undefined when the line is data (a header's cells are
 * all field names such as `power.draw [W]`).
 *
 * @param line A first output line.
 * @returns The field names without units, or undefined.
 */
export function headerFields(line: string): string[] | undefined {
  const fields = parseCsvHeader(line).map((c) => c.field);
  return fields.every((f) => /^[a-z][a-z0-9_.]*$/.test(f)) ? fields : undefined;
}

/**
 * Reads a cell as nvidia-smi printed it: a number, a placeholder or text.
 *
 * @param row A parsed row.
 * @param field The field to read.
 * @returns The cell's value, or undefined for a field the row does not have.
 */
export function cellValue(row: CsvRow, field: string): CellValue | undefined {
  const raw = row.get(field);
  return raw === undefined ? undefined : parseCell(raw);
}

/**
 * Reads a cell as a number, or undefined for a placeholder, a missing field or text.
 *
 * @param row A parsed row.
 * @param field The field to read.
 * @returns The number, or undefined.
 */
export function numberField(row: CsvRow, field: string): number | undefined {
  const value = cellValue(row, field);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * Reads a cell as text, exactly as printed, or undefined for a placeholder or a missing field.
 *
 * @param row A parsed row.
 * @param field The field to read.
 * @returns The text (numbers as written: `595.80` stays `595.80`), or undefined.
 */
export function textField(row: CsvRow, field: string): string | undefined {
  const value = cellValue(row, field);
  if (value === undefined || isPlaceholder(value)) return undefined;
  return row.get(field);
}

/** Placeholders that mean the GPU itself is gone, not that one field is unsupported. */
const FATAL_PLACEHOLDERS = ["[GPU is lost]", "[GPU requires reset]"];

/**
 * Finds a placeholder in a row that means the GPU is gone (`[GPU is lost]`, `[GPU requires reset]`).
 *
 * @param row A parsed row.
 * @returns The placeholder text, or undefined when the GPU still answers.
 */
export function fatalPlaceholder(row: CsvRow): string | undefined {
  for (const raw of row.values()) if (FATAL_PLACEHOLDERS.includes(raw)) return raw;
  return undefined;
}

/** One process on a GPU from `--query-compute-apps`. */
export interface ComputeApp {
  pid: number;
  /** The GPU's uuid, where the query asked for `gpu_uuid`. */
  gpuUuid?: string;
  /** `process_name`, where asked for and readable (not `[Insufficient Permissions]`). */
  processName?: string;
  /** `used_memory` / `used_gpu_memory`, where known (not `[N/A]`, as under WDDM). */
  usedMemoryMiB?: number;
}

/**
 * Parses `--query-compute-apps` output. With a header the columns are read by its names (any
 * order, `used_memory` or `used_gpu_memory`); without one they are `fields`. An idle machine
 * prints nothing, or the header only.
 *
 * @param text The command's stdout.
 * @param fields The queried fields when there is no header (default `gpu_uuid,pid,used_memory`).
 * @returns The processes, in the printed order.
 */
export function parseComputeApps(
  text: string,
  fields: readonly string[] = ["gpu_uuid", "pid", "used_memory"],
): ComputeApp[] {
  const first = text.split("\n").find((line) => line.trim() !== "");
  const columns = (first === undefined ? undefined : headerFields(first)) ?? fields;
  const table = parseCsvTable(text, columns, "nvidia-smi --query-compute-apps");
  return table.flatMap((row) => {
    const cells = new Map([...row].map(([field, raw]) => [normaliseField(field), raw]));
    const pid = numberField(cells, "pid");
    if (pid === undefined) return [];
    const app: ComputeApp = { pid };
    const gpuUuid = textField(cells, "gpu_uuid");
    const processName = textField(cells, "process_name");
    const usedMemoryMiB = numberField(cells, "used_memory");
    if (gpuUuid !== undefined) app.gpuUuid = gpuUuid;
    if (processName !== undefined) app.processName = processName;
    if (usedMemoryMiB !== undefined) app.usedMemoryMiB = usedMemoryMiB;
    return [app];
  });
}

/** What `nvidia-smi -q -x` says about the driver and each GPU. */
export interface SmiXmlInfo {
  driverVersion?: string;
  cudaVersion?: string;
  gpus: {
    uuid?: string;
    name?: string;
    minorNumber?: number;
    powerLimitWatts?: number;
    powerDrawWatts?: number;
  }[];
}

function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  const text = match?.[1]?.trim();
  return text === undefined || text === "" || text === "N/A" ? undefined : text;
}

function xmlBlock(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1];
}

function watts(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  // No sign: nvidia-smi prints no negative power, so "-5 W" is no reading at all.
  const match = /^(\d+(?:\.\d+)?)\s*W$/.exec(text);
  return match ? parseDecimal(match[1]!) : undefined;
}

/**
 * Parses `nvidia-smi -q -x`: driver and CUDA versions, and per GPU its name, uuid, power
 * limit and draw. Drivers up to ~520 keep power in `<power_readings>` (`power_draw`,
 * `power_limit`); newer ones in `<gpu_power_readings>` (`instant_power_draw`,
 * `average_power_draw`, `current_power_limit`).
 *
 * @param xml The XML text (a comment line before the declaration is tolerated).
 * @returns The versions and GPUs found.
 */
export function parseSmiXml(xml: string): SmiXmlInfo {
  const head = xml.split(/<gpu\s/)[0] ?? "";
  const info: SmiXmlInfo = { gpus: [] };
  const driverVersion = xmlText(head, "driver_version");
  const cudaVersion = xmlText(head, "cuda_version");
  if (driverVersion !== undefined) info.driverVersion = driverVersion;
  if (cudaVersion !== undefined) info.cudaVersion = cudaVersion;
  for (const match of xml.matchAll(/<gpu\s[^>]*>([\s\S]*?)<\/gpu>/g)) {
    const body = match[1]!;
    const gpu: SmiXmlInfo["gpus"][number] = {};
    const name = xmlText(body, "product_name");
    const uuid = xmlText(body, "uuid");
    const minor = xmlText(body, "minor_number");
    if (name !== undefined) gpu.name = name;
    if (uuid !== undefined) gpu.uuid = uuid;
    const minorNumber = minor === undefined ? undefined : parseWholeNumber(minor);
    if (minorNumber !== undefined) gpu.minorNumber = minorNumber;
    const modern = xmlBlock(body, "gpu_power_readings");
    const legacy = xmlBlock(body, "power_readings");
    const limit = modern !== undefined
      ? watts(xmlText(modern, "current_power_limit"))
      : legacy !== undefined
      ? watts(xmlText(legacy, "power_limit")) ?? watts(xmlText(legacy, "enforced_power_limit"))
      : undefined;
    const draw = modern !== undefined
      ? watts(xmlText(modern, "instant_power_draw")) ??
        watts(xmlText(modern, "average_power_draw")) ?? watts(xmlText(modern, "power_draw"))
      : legacy !== undefined
      ? watts(xmlText(legacy, "power_draw"))
      : undefined;
    if (limit !== undefined) gpu.powerLimitWatts = limit;
    if (draw !== undefined) gpu.powerDrawWatts = draw;
    info.gpus.push(gpu);
  }
  return info;
}

/**
 * Parses `nvidia-smi --version` (`DRIVER version : 550.54.15`, `CUDA Version : 12.4`).
 *
 * @param text The command's stdout.
 * @returns The driver and CUDA versions found.
 */
export function parseSmiVersion(text: string): { driverVersion?: string; cudaVersion?: string } {
  const result: { driverVersion?: string; cudaVersion?: string } = {};
  for (const line of text.split("\n")) {
    const match = /^\s*(.+?)\s*:\s*(\S+)\s*$/.exec(line);
    if (!match) continue;
    const key = match[1]!.toLowerCase();
    if (key === "driver version") result.driverVersion = match[2]!;
    if (key === "cuda version") result.cudaVersion = match[2]!;
  }
  return result;
}

/**
 * Tells whether failing output names an unknown query field (old drivers exit with code 2:
 * `Field "power.draw.instant" is not a valid field to query.`).
 *
 * @param text The command's stdout and stderr.
 * @returns The unknown field, or undefined.
 */
export function unknownField(text: string): string | undefined {
  return /Field "([^"]+)" is not a valid field to query/.exec(text)?.[1];
}

/**
 * Turns a failed nvidia-smi run into the sentence a user reads (the driver message itself
 * where there is one: "couldn't communicate with the NVIDIA driver", "No devices were found",
 * "Failed to initialize NVML: ...").
 *
 * @param code The exit code.
 * @param text The command's stdout and stderr.
 * @returns A reason in sentence case, without a trailing period.
 */
export function failureReason(code: number, text: string): string {
  const first = text.split("\n").map((l) => l.trim()).find((l) => l !== "");
  if (first === undefined) return `nvidia-smi exited with code ${code} and printed nothing`;
  const sentence = first.replace(/\.$/, "").split(/\.\s+/)[0]!;
  return `${sentence} (nvidia-smi exit code ${code})`;
}

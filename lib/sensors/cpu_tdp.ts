/**
 * CPU model -> TDP lookup over data/cpu_tdp.json (MIT-licensed tables from
 * `@grnsft/if-plugins` 0.3.2; see data/README.md). Model strings from /proc/cpuinfo are
 * normalised before matching: "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz" and the table's
 * "Intel Xeon Gold 6248" are the same CPU.
 *
 * @module
 */

import table from "../../data/cpu_tdp.json" with { type: "json" };

/** A TDP table row matched to a model string. */
export interface TdpMatch {
  /** The table's model name. */
  model: string;
  tdpWatts: number;
  /** Where the row came from (table file and its origin). */
  source: string;
  /** `exact` after normalisation, or `model-number` when the table name's words are all in the model string. */
  match: "exact" | "model-number";
}

/** A TDP table: rows of [model, watts, source index]. */
export interface TdpTable {
  source: string;
  sources: string[];
  rows: Array<[string, number, number]>;
}

/**
 * Normalises a CPU model string for matching: lower case, no (R)/(TM)/CPU/Processor,
 * no "@ 2.50GHz", no "64-Core".
 *
 * @param model A model string from /proc/cpuinfo or a table.
 * @returns Space-separated lower-case words.
 */
export function normaliseCpuModel(model: string): string {
  return model
    .toLowerCase()
    .replace(/@.*$/, "")
    .replace(/\((r|tm|c)\)|[®™]/g, " ")
    .replace(/\b\d+-core\b/g, " ")
    .replace(/\b(cpu|processor|with radeon.*|w\/ radeon.*)\b/g, " ")
    .replace(/[,/]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

interface Entry {
  key: string;
  words: string[];
  row: [string, number, number];
}

function index(source: TdpTable): { exact: Map<string, Entry>; entries: Entry[] } {
  const entries = source.rows.map((row) => {
    const key = normaliseCpuModel(row[0]);
    return { key, words: key.split(" "), row };
  });
  const exact = new Map<string, Entry>();
  for (const entry of entries) if (!exact.has(entry.key)) exact.set(entry.key, entry);
  return { exact, entries };
}

let defaultIndex: ReturnType<typeof index> | undefined;

/**
 * Finds the TDP of a CPU model.
 *
 * @param model The model string, e.g. "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz".
 * @param source The table (defaults to data/cpu_tdp.json).
 * @returns The matched row, or undefined when the model is not in the table.
 */
export function findCpuTdp(model: string, source?: TdpTable): TdpMatch | undefined {
  const { exact, entries } = source
    ? index(source)
    : (defaultIndex ??= index(table as unknown as TdpTable));
  const sources = (source ?? table as unknown as TdpTable).sources;
  const key = normaliseCpuModel(model);
  const toMatch = (entry: Entry, match: TdpMatch["match"]): TdpMatch => ({
    model: entry.row[0],
    tdpWatts: entry.row[1],
    source: sources[entry.row[2]] ?? "unknown",
    match,
  });
  const hit = exact.get(key);
  if (hit) return toMatch(hit, "exact");
  // Otherwise the most specific table name whose words all appear in the model string and
  // which names a model number (a word with a digit), so a bare "AMD EPYC" matches nothing.
  const words = new Set(key.split(" "));
  let best: Entry | undefined;
  for (const entry of entries) {
    if (!entry.words.some((w) => /\d/.test(w))) continue;
    if (!entry.words.every((w) => words.has(w))) continue;
    if (!best || entry.words.length > best.words.length) best = entry;
  }
  return best ? toMatch(best, "model-number") : undefined;
}

/**
 * Generates data/social_cost.json from ../shared/data/cscc.csv: the country-level social cost
 * of carbon of Ricke et al. 2018 (2005 US$ per tonne CO2; 16.7th, 50th and 83.3rd
 * percentiles; WLD is the global figure). Negative values are real and kept as they are.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sharedFile } from "./shared_dir.ts";

/** One parsed row: ISO3 -> [p16_7, p50, p83_3]. */
export type CsccRows = Record<string, [number, number, number]>;

const HEADER = ["iso3", "p16_7", "p50", "p83_3"];

/**
 * Parses the cscc.csv format: `#` comment lines, a header `iso3,p16_7,p50,p83_3`, then rows.
 *
 * @param text The file's contents.
 * @param file The file name, for error messages.
 * @returns The rows by ISO3 code.
 * @throws Error naming file, line and field for a malformed row.
 */
export function parseCscc(text: string, file: string): CsccRows {
  const rows: CsccRows = {};
  let header = false;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    const where = `${file}:${index + 1}`;
    if (line === "" || line.startsWith("#")) continue;
    const cells = line.split(",").map((c) => c.trim());
    if (!header) {
      if (cells.join(",") !== HEADER.join(",")) {
        throw new Error(`${where}: expected header ${HEADER.join(",")}, got ${line}`);
      }
      header = true;
      continue;
    }
    if (cells.length !== 4) throw new Error(`${where}: expected 4 fields, got ${cells.length}`);
    const [iso3, ...figures] = cells as [string, string, string, string];
    if (!/^[A-Z]{3}$/.test(iso3)) throw new Error(`${where}: field iso3 is not a code: ${iso3}`);
    if (rows[iso3]) throw new Error(`${where}: duplicate iso3 ${iso3}`);
    const values = figures.map((cell, i) => {
      const value = Number(cell);
      if (cell === "" || !Number.isFinite(value)) {
        throw new Error(
          `${where}: field ${HEADER[i + 1]} is not a number: ${JSON.stringify(cell)}`,
        );
      }
      return value;
    }) as [number, number, number];
    if (!(values[0] <= values[1] && values[1] <= values[2])) {
      throw new Error(`${where}: percentiles of ${iso3} are not ordered: ${figures.join(", ")}`);
    }
    rows[iso3] = values;
  }
  if (!header) throw new Error(`${file}: no header line ${HEADER.join(",")}`);
  return rows;
}

if (import.meta.main) {
  const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
  const input = sharedFile(join("data", "cscc.csv"));
  const rows = parseCscc(await Deno.readTextFile(input), "cscc.csv");
  if (!rows.WLD) throw new Error("cscc.csv: no WLD (global) row");
  const out = {
    source:
      "Ricke, Drouet, Caldeira & Tavoni, Country-level social cost of carbon, Nature Climate Change 8, 895-900 (2018), database v2",
    doi: "10.1038/s41558-018-0282-y",
    units: "2005 US$ per tonne CO2",
    configuration:
      "bhm_sr damage function, bootstrap parameters, uncertain climate, SSP2, RCP6.0, growth-adjusted Ramsey discounting (prtp 2%, eta 1.5)",
    licence: "No licence file; cite the paper wherever the figures are shown",
    note: "iso3 -> [p16_7, p50, p83_3]; WLD is the global social cost, not the sum of the rows",
    rows: Object.fromEntries(Object.entries(rows).sort(([a], [b]) => a.localeCompare(b))),
  };
  const path = join(root, "data", "social_cost.json");
  await Deno.writeTextFile(path, JSON.stringify(out) + "\n");
  console.log(`data: wrote ${path} (${Object.keys(rows).length} rows)`);
}

/**
 * CAISO's public "Today's Outlook" fuel mix (`/outlook/SP/fuelsource.csv`: five-minute rows of
 * megawatts per fuel), the California source experiment-impact-tracker offered. Intensity is
 * the generation-weighted mean of per-fuel lifecycle factors (IPCC AR5 WG3 Annex III medians);
 * imports and "other" take the zone's yearly figure, which the caller passes in.
 *
 * @module
 */
import { type CsvRow, CsvSyntaxError, parseCsv } from "../../csv.ts";
import { parseDecimal } from "../../decimal.ts";
import {
  checkedReading,
  fetchText,
  LiveIntensityError,
  type LiveReading,
  type LiveSourceOptions,
} from "./reading.ts";

/** CAISO's public site. */
export const CAISO_URL = "https://www.caiso.com";

/** gCO2e/kWh per fuel column (lower-cased header). Batteries are storage and are left out. */
export const CAISO_FUEL_FACTORS: Readonly<Record<string, number>> = {
  solar: 48,
  wind: 11,
  geothermal: 38,
  biomass: 230,
  biogas: 230,
  "small hydro": 24,
  "large hydro": 24,
  coal: 820,
  nuclear: 12,
  "natural gas": 490,
};

/**
 * Parses fuelsource.csv and returns the latest complete row's intensity.
 *
 * @param text The CSV (`Time,Solar,Wind,...` then `HH:MM,MW,...`).
 * @param date The day the file is for (YYYY-MM-DD, California time is what CAISO writes).
 * @param unknownGramsPerKwh The factor for imports and other (the zone's yearly figure).
 * @returns The reading.
 */
export function parseCaisoFuelSource(
  text: string,
  date: string,
  unknownGramsPerKwh: number,
): LiveReading {
  let rows: CsvRow[];
  try {
    rows = parseCsv(text, { trim: true }).filter((r) => r.fields.some((f) => f !== ""));
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    throw new LiveIntensityError(`CAISO fuelsource.csv:${error.line}: ${error.message}`);
  }
  const header = rows[0]?.fields.map((h) => h.toLowerCase()) ?? [];
  if (header[0] !== "time") {
    throw new LiveIntensityError(`CAISO fuelsource.csv:${rows[0]?.line ?? 1}: no Time column`);
  }
  for (let i = rows.length - 1; i >= 1; i--) {
    const { fields: cells, line } = rows[i]!;
    if (cells.length !== header.length || cells.slice(1).some((c) => c === "")) continue;
    let megawatts = 0;
    let gramsMw = 0;
    for (let c = 1; c < header.length; c++) {
      const name = header[c]!;
      if (name === "batteries") continue;
      const mw = parseDecimal(cells[c]!);
      if (mw === undefined) {
        throw new LiveIntensityError(
          `CAISO fuelsource.csv:${line}: field ${name} is not a number`,
        );
      }
      if (mw <= 0) continue;
      megawatts += mw;
      gramsMw += mw * (CAISO_FUEL_FACTORS[name] ?? unknownGramsPerKwh);
    }
    if (megawatts <= 0) continue;
    if (!/^\d{1,2}:\d{2}$/.test(cells[0]!)) {
      throw new LiveIntensityError(`CAISO fuelsource.csv:${line}: time "${cells[0]}" is not HH:MM`);
    }
    const gramsPerKwh = Math.round((gramsMw / megawatts) * 10) / 10;
    const at = `${date}T${cells[0]!.padStart(5, "0")}:00-08:00`;
    checkedReading("CAISO fuelsource.csv", gramsPerKwh, at);
    return { gramsPerKwh, source: "CAISO fuel mix (US-CAL-CISO)", at };
  }
  throw new LiveIntensityError("CAISO fuelsource.csv has no complete row");
}

/**
 * Reads California's current fuel-mix intensity.
 *
 * @param unknownGramsPerKwh The factor for imports and other.
 * @param now The clock (for the row's date).
 * @param options Base URL, fetch, signal.
 * @returns The reading.
 */
export async function caisoIntensityNow(
  unknownGramsPerKwh: number,
  now: Date,
  options: LiveSourceOptions = {},
): Promise<LiveReading> {
  const text = await fetchText(
    `${options.baseUrl ?? CAISO_URL}/outlook/SP/fuelsource.csv`,
    options,
  );
  const pacific = new Date(now.getTime() - 8 * 3600_000).toISOString().slice(0, 10);
  return parseCaisoFuelSource(text, pacific, unknownGramsPerKwh);
}

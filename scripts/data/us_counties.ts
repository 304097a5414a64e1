/**
 * US balancing areas by county, for gen_zones.ts: which Electricity Maps zone each county
 * belongs to, from EIA-861 (2018) as merged by PNNL (../shared/data/eia861/, BSD 2-Clause).
 *
 * The table lists, per county, every utility that serves it, the utility's balancing
 * authority and its total retail sales in 2018. It has no sales per county, so a utility's
 * sales are spread evenly over the counties it serves (a utility serving one county counts
 * all its sales there, one serving forty counts a fortieth in each), and a county goes to
 * the balancing authority with the most apportioned sales. The other balancing authorities
 * that serve it are kept, largest first, so a lookup can say "also served by".
 *
 * @module
 */
import { parseCsv } from "../../lib/csv.ts";

/** One county's zones. */
export interface CountyZone {
  /** Five-digit FIPS code, as us-atlas writes it. */
  fips: string;
  /** Electricity Maps zone of the primary balancing authority. */
  zone: string;
  /** The other zones serving the county, by apportioned sales, largest first. */
  also: string[];
  /** How the zone was chosen when the table had no balancing authority for it. */
  note?: string;
}

/**
 * EIA balancing-authority codes without an Electricity Maps zone of their own, and the zone
 * whose grid they are part of. Explicit, so no county falls back silently.
 */
const BA_FALLBACKS: Record<string, { zone: string; why: string }> = {
  AEC: {
    zone: "US-SE-SOCO",
    why: "PowerSouth (AEC) has no Electricity Maps zone; its area lies inside Southern Company's",
  },
  OVEC: { zone: "US-MIDA-PJM", why: "Ohio Valley Electric (OVEC) lies inside PJM" },
  NSB: {
    zone: "US-FLA-FMPP",
    why: "New Smyrna Beach (NSB) has no Electricity Maps zone; the city is in the Florida " +
      "Municipal Power Agency's pool",
  },
  NBSO: {
    zone: "US-NE-ISNE",
    why: "northern Maine is balanced by New Brunswick (NBSO); the nearest US zone is ISO-NE",
  },
};

/**
 * States with one Electricity Maps zone for the whole state (FIPS state code -> zone): Alaska's
 * and Hawaii's utilities have no EIA balancing-authority code Electricity Maps uses.
 */
const STATE_ZONES: Record<string, string> = { "02": "US-AK", "15": "US-HI" };

/**
 * ERCOT's wires companies (EIA utility numbers: CenterPoint Houston, Oncor, AEP Texas Central
 * and North, TNMP). Their customers buy from retail providers, so the table lists them with
 * no sales and no balancing authority, and the few non-ERCOT utilities at a county's edge
 * would win it (Houston would be MISO). A county they serve is ERCOT's first.
 */
const ERCOT_WIRES = new Set(["8901", "44372", "3278", "20404", "40051"]);

/**
 * Counties whose own utility is a balancing authority of its own but sells less in the county
 * than the even spread credits a large neighbour that serves only its fringe (FPL in Alachua,
 * Southern California Edison in Imperial). FIPS -> [zone, why].
 */
const HOME_COUNTIES: Record<string, [string, string]> = {
  "12001": ["US-FLA-GVL", "Gainesville Regional Utilities serves Gainesville; FPL a fringe"],
  "12031": ["US-FLA-JEA", "JEA serves Jacksonville (consolidated with Duval); FPL a fringe"],
  "06025": ["US-CAL-IID", "Imperial Irrigation District serves the Imperial Valley"],
};

/** Codes that mean the table has no balancing authority for a utility. */
const NO_BA = new Set(["Missing", "NA", ""]);

/**
 * Reads the county table and picks each county's zones.
 *
 * @param csv The text of county_utility_ba_2018.csv.
 * @param zoneKeys Every Electricity Maps zone id with intensity data.
 * @param shapes The FIPS codes of the county shapes: the table's codes are of 2018, so the
 *   shapes of counties renamed since (Oglala Lakota, Kusilvak) are placed by their neighbours.
 * @param neighbours County FIPS -> adjacent counties, to place a county the table gives no
 *   balancing authority (it takes the most common zone among its neighbours).
 * @returns The zone of every county, and notes on each fallback taken.
 * @throws {Error} Naming the line of a malformed row, or a BA code with no zone.
 */
export function countyZones(
  csv: string,
  zoneKeys: Set<string>,
  shapes: string[],
  neighbours: (fips: string) => string[],
): { counties: Map<string, CountyZone>; notes: string[] } {
  const byCode = new Map<string, string>();
  for (const key of zoneKeys) {
    const parts = key.split("-");
    if (parts[0] === "US" && parts.length === 3) byCode.set(parts[2]!, key);
  }
  const notes = new Set<string>();
  const zoneOfBa = (code: string, line: number): string => {
    const direct = byCode.get(code);
    if (direct) return direct;
    const fallback = BA_FALLBACKS[code];
    if (!fallback) throw new Error(`county table line ${line}: BA ${code} has no zone`);
    notes.add(`${code} -> ${fallback.zone}: ${fallback.why}`);
    return fallback.zone;
  };

  const [header, ...records] = parseCsv(csv);
  const columns = header?.fields ?? [];
  const col = (name: string) => {
    const i = columns.indexOf(name);
    if (i < 0) throw new Error(`county table: no column ${name}`);
    return i;
  };
  const [cFips, cUtility, cSales, cBa] = ["County_FIPS", "Utility_Number", "Total_Sales_MWh"]
    .concat("BA_Short_Name").map(col) as [number, number, number, number];
  const rows: { fips: string; utility: string; sales: number; ba: string; line: number }[] = [];
  const countiesOfUtility = new Map<string, number>();
  const allCounties = new Set<string>();
  for (const { fields: f, line } of records) {
    if (f.length === 1 && f[0]!.trim() === "") continue;
    const fips = (f[cFips] ?? "").padStart(5, "0");
    if (!/^\d{5}$/.test(fips)) throw new Error(`county table line ${line}: bad FIPS ${f[cFips]}`);
    // Sales are per utility and state (PacifiCorp's Oregon and Wyoming rows differ), so a
    // utility's sales are spread over its counties in that state.
    const utility = `${f[cUtility] ?? ""}/${fips.slice(0, 2)}`;
    allCounties.add(fips);
    countiesOfUtility.set(utility, (countiesOfUtility.get(utility) ?? 0) + 1);
    // Sales are -9999 or "." where EIA has none: such a utility cannot weigh.
    const sales = Number(f[cSales]);
    rows.push({ fips, utility, sales: sales > 0 ? sales : 0, ba: f[cBa] ?? "", line });
  }

  const weights = new Map<string, Map<string, number>>();
  const ercotWires = new Set<string>();
  for (const r of rows) {
    if (ERCOT_WIRES.has(r.utility.split("/")[0]!)) ercotWires.add(r.fips);
    if (NO_BA.has(r.ba) || r.sales === 0 || STATE_ZONES[r.fips.slice(0, 2)]) continue;
    const zone = zoneOfBa(r.ba, r.line);
    const share = r.sales / countiesOfUtility.get(r.utility)!;
    const w = weights.get(r.fips) ?? new Map<string, number>();
    w.set(zone, (w.get(zone) ?? 0) + share);
    weights.set(r.fips, w);
  }

  for (const fips of shapes) allCounties.add(fips);
  const counties = new Map<string, CountyZone>();
  for (const fips of [...allCounties].sort()) {
    const stateZone = STATE_ZONES[fips.slice(0, 2)];
    if (stateZone) {
      counties.set(fips, { fips, zone: stateZone, also: [] });
      continue;
    }
    const w = weights.get(fips);
    if (!w) continue;
    if (ercotWires.has(fips)) w.set("US-TEX-ERCO", Infinity);
    const home = HOME_COUNTIES[fips];
    if (home) {
      w.set(home[0], Infinity);
      notes.add(`county ${fips} -> ${home[0]}: ${home[1]}`);
    }
    const ranked = [...w].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([z]) => z);
    counties.set(fips, { fips, zone: ranked[0]!, also: ranked.slice(1) });
  }
  // Counties whose utilities have no balancing authority in the table take their neighbours'.
  for (let pass = 0; pass < 3; pass++) {
    for (const fips of allCounties) {
      if (counties.has(fips)) continue;
      const count = new Map<string, number>();
      for (const n of neighbours(fips)) {
        const z = counties.get(n)?.zone;
        if (z) count.set(z, (count.get(z) ?? 0) + 1);
      }
      const best = [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
      if (!best) continue;
      counties.set(fips, {
        fips,
        zone: best[0],
        also: [],
        note: "no balancing authority in EIA-861 2018: the zone of most neighbouring counties",
      });
    }
  }
  const unplaced = [...allCounties].filter((f) => !counties.has(f));
  if (unplaced.length) throw new Error(`county table: no zone for ${unplaced.join(" ")}`);
  return { counties, notes: [...notes].sort() };
}

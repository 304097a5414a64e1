/**
 * Offline geocoding: place names -> coordinates from the embedded gazetteer
 * (data/gazetteer.tsv, GeoNames places with at least 5,000 inhabitants, built by
 * scripts/data/gen_gazetteer.ts).
 *
 * @module
 */
import gazetteerText from "../../data/gazetteer.tsv" with { type: "text" };
import { canonicalAlpha3 } from "./country_codes.ts";
import { foldText } from "./fold_text.ts";
import { type ResearchSite, researchSites } from "./research_sites.ts";
import type { Place } from "./types.ts";
import { addressLengthProblem } from "./address_length.ts";

interface Country {
  iso2: string;
  iso3: string;
  name: string;
  /** Folded names, aliases and codes. */
  keys: Set<string>;
}

/** The gazetteer as columns; row `i` of each column is one place, rows by population. */
export interface Gazetteer {
  names: string[];
  folded: string[];
  countries: string[];
  admin1Codes: string[];
  latitudes: string[];
  longitudes: string[];
  populations: string[];
  countryTable: Map<string, Country>;
  admin1Names: Map<string, string>;
  /** Folded admin-1 names by `CC.code`, filled on first use. */
  admin1Folded: Map<string, string>;
  /** Folded other names ("münchen", "東京") -> rows. */
  aliases: Map<string, number[]>;
}

const COLUMNS = [
  "name",
  "folded",
  "country",
  "admin1",
  "latitude",
  "longitude",
  "population",
] as const;

let loaded: Gazetteer | undefined;

/**
 * Parses the gazetteer text.
 *
 * @param text The contents of data/gazetteer.tsv.
 * @returns The places as columns, with the country and admin-1 tables.
 * @throws {Error} Naming the line of a malformed country or admin-1 row, or the column
 *   that is missing or has the wrong number of values.
 */
export function parseGazetteer(text: string): Gazetteer {
  const countryTable = new Map<string, Country>();
  const admin1Names = new Map<string, string>();
  const aliases = new Map<string, number[]>();
  const columns = new Map<string, string[]>();
  let lineNo = 0;
  for (const line of text.split("\n")) {
    lineNo++;
    if (line === "" || line.startsWith("#")) continue;
    const tab = line.indexOf("\t");
    const label = tab < 0 ? line : line.slice(0, tab);
    if ((COLUMNS as readonly string[]).includes(label)) {
      columns.set(label, line.slice(tab + 1).split("\t"));
      continue;
    }
    const f = line.split("\t");
    if (label === "C" && f.length === 4) {
      const names = f[3]!.split("|");
      const iso3 = canonicalAlpha3(f[2]!);
      const keys = new Set([f[1]!, f[2]!, iso3, ...names].map(foldText));
      countryTable.set(f[1]!, { iso2: f[1]!, iso3, name: names[0] ?? f[1]!, keys });
    } else if (label === "A" && f.length === 3) {
      admin1Names.set(f[1]!, f[2]!);
    } else if (label === "L" && f.length === 3 && /^\d+$/.test(f[2]!)) {
      const key = foldText(f[1]!);
      aliases.set(key, [...(aliases.get(key) ?? []), Number(f[2])]);
    } else {
      throw new Error(
        `Gazetteer line ${lineNo}: malformed row ${JSON.stringify(line.slice(0, 60))}`,
      );
    }
  }
  const rows = columns.get("name")?.length ?? 0;
  for (const label of COLUMNS) {
    const length = columns.get(label)?.length;
    if (length !== rows) {
      throw new Error(`Gazetteer column ${label}: ${length ?? "missing"}, expected ${rows} values`);
    }
  }
  const col = (label: string) => columns.get(label)!;
  return {
    names: col("name"),
    folded: col("folded"),
    countries: col("country"),
    admin1Codes: col("admin1"),
    latitudes: col("latitude"),
    longitudes: col("longitude"),
    populations: col("population"),
    countryTable,
    admin1Names,
    admin1Folded: new Map(),
    aliases,
  };
}

function load(): Gazetteer {
  loaded ??= parseGazetteer(gazetteerText);
  return loaded;
}

function admin1Folded(g: Gazetteer, key: string): string {
  let folded = g.admin1Folded.get(key);
  if (folded === undefined) {
    folded = foldText(g.admin1Names.get(key) ?? "");
    g.admin1Folded.set(key, folded);
  }
  return folded;
}

/** Whether a qualifier ("California", "TX", "France", "DE") fits the place in row `i`. */
function qualifies(g: Gazetteer, i: number, qualifier: string): boolean {
  const cc = g.countries[i]!, code = g.admin1Codes[i]!;
  if (g.countryTable.get(cc)?.keys.has(qualifier)) return true;
  if (code.toLowerCase() === qualifier.replace(/ /g, "")) return true;
  const admin = admin1Folded(g, `${cc}.${code}`);
  // A long enough prefix of the admin-1 name also counts ("Washington, D.C." -> "dist").
  return admin === qualifier || (qualifier.length >= 4 && admin.startsWith(qualifier));
}

/** How well a folded name matches: 3 exact, 2 prefix, 1 a whole word inside, 0 not. */
function nameScore(folded: string, query: string): number {
  if (!folded.includes(query)) return 0;
  if (folded === query) return 3;
  if (folded.startsWith(query)) return 2;
  return ` ${folded} `.includes(` ${query} `) ? 1 : 0;
}

/**
 * Reads row `i` as a place.
 *
 * @param g The gazetteer.
 * @param i The row.
 * @returns The place.
 * @throws {Error} Naming the row and column of a value that is not a number.
 */
export function placeAt(g: Gazetteer, i: number): Place {
  const number = (column: string[], label: string) => {
    const value = Number(column[i]);
    if (column[i] === "" || !Number.isFinite(value)) {
      throw new Error(`Gazetteer column ${label}, place ${i + 1}: not a number: ${column[i]}`);
    }
    return value;
  };
  const cc = g.countries[i]!;
  const country = g.countryTable.get(cc);
  if (!country) throw new Error(`Gazetteer column country, place ${i + 1}: unknown code ${cc}`);
  const place: Place = {
    name: g.names[i]!,
    country: country.iso3,
    countryName: country.name,
    latitude: number(g.latitudes, "latitude"),
    longitude: number(g.longitudes, "longitude"),
    population: number(g.populations, "population"),
  };
  const admin1 = g.admin1Names.get(`${cc}.${g.admin1Codes[i]}`);
  if (admin1) place.admin1 = admin1;
  return place;
}

/** A scored hit: a gazetteer row or a research site. */
interface Hit {
  score: number;
  row?: number;
  site?: ResearchSite;
}

/** Rows matching a folded name (or another name of the place) and qualifiers, best first. */
function search(g: Gazetteer, name: string, qualifiers: string[], limit: number): Hit[] {
  const scored: Hit[] = [];
  const aliasRows = new Set(g.aliases.get(name) ?? []);
  let exact = 0;
  for (let i = 0; i < g.folded.length; i++) {
    const score = aliasRows.has(i) ? 3 : nameScore(g.folded[i]!, name);
    if (score === 0 || !qualifiers.every((q) => qualifies(g, i, q))) continue;
    scored.push({ row: i, score });
    if (score === 3 && ++exact >= limit) break;
  }
  for (const site of researchSites()) {
    const score = Math.max(...site.keys.map((k) => nameScore(k, name)));
    if (score > 0 && qualifiers.every((q) => siteQualifies(g, site, q))) {
      scored.push({ site, score });
    }
  }
  // Rows are in population order, sites after them, and the sort is stable.
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, limit);
}

/** Whether a qualifier ("Cambridge MA", "Illinois", "USA") fits a research site. */
function siteQualifies(g: Gazetteer, site: ResearchSite, qualifier: string): boolean {
  const country = g.countryTable.get(site.country);
  if (country?.keys.has(qualifier)) return true;
  const code = [...g.admin1Names].find(([key, name]) =>
    key.startsWith(`${site.country}.`) && name === site.admin1
  )?.[0].slice(3).toLowerCase();
  return qualifier.split(" ").every((word) =>
    site.placeWords.has(word) || word === code || (country?.keys.has(word) ?? false)
  );
}

function hitPlace(g: Gazetteer, hit: Hit): Place {
  let place: Place;
  if (hit.site) {
    const s = hit.site;
    const country = g.countryTable.get(s.country);
    place = {
      name: `${s.name}, ${s.city}`,
      admin1: s.admin1,
      country: country?.iso3 ?? s.country,
      countryName: country?.name ?? s.country,
      latitude: s.latitude,
      longitude: s.longitude,
      population: 0,
      source: s.source,
    };
  } else place = placeAt(g, hit.row!);
  if (hit.score === 3) place.exactMatch = true;
  return place;
}

/**
 * Finds places by name, offline. A query is a place name, optionally followed by commas
 * and qualifiers: admin-1 names or codes and country names or codes ("Paris, Texas",
 * "Stanford, CA", "Cambridge, UK"). Matching ignores case and accents ("Zurich" finds
 * "Zürich"); other names of large cities count as their names ("München", "東京", "Kiev");
 * research sites match by name or acronym ("Argonne", "NCSA", "MIT, Cambridge MA"). Without
 * commas, trailing words are tried as qualifiers when the whole query names no place
 * ("Paris Texas").
 *
 * @param query The place to look for.
 * @param limit The most candidates to return.
 * @returns Candidates, best first: exact names (marked `exactMatch`) before prefixes, then by
 *   population, research sites after towns of the same match.
 * @throws {RangeError} For a query longer than lib/geo/address_length.ts's `MAX_ADDRESS_CHARS`.
 *
 * @example Geocode an address offline
 * ```ts
 * import { searchPlaces } from "../../mod.ts";
 * const [paris] = searchPlaces("Paris, Texas"); // { name: "Paris", admin1: "Texas", ... }
 * ```
 */
export function searchPlaces(query: string, limit = 5): Place[] {
  // Before anything loads: the search's cost grows with the query's words.
  const tooLong = addressLengthProblem(query);
  if (tooLong) throw new RangeError(tooLong);
  const g = load();
  const parts = query.split(",").map(foldText).filter(Boolean);
  if (parts.length === 0 || limit <= 0) return [];
  const [name = "", ...qualifiers] = parts;
  let hits = search(g, name, qualifiers, limit);
  if (qualifiers.length === 0 && !hits.some((h) => h.score === 3)) {
    const words = name.split(" ");
    for (let cut = words.length - 1; cut >= 1; cut--) {
      const head = words.slice(0, cut).join(" "), tail = words.slice(cut).join(" ");
      const split = search(g, head, [tail], limit);
      if (split.length > 0 && (hits.length === 0 || split[0]!.score === 3)) {
        hits = split;
        break;
      }
    }
  }
  return hits.map((h) => hitPlace(g, h));
}

/**
 * Offline geocoding: place names -> coordinates from the embedded gazetteer
 * (data/gazetteer.tsv, GeoNames places with at least 5,000 inhabitants, built by
 * scripts/data/gen_gazetteer.ts).
 *
 * @module
 */
import gazetteerText from "../../data/gazetteer.tsv" with { type: "text" };
import { foldText } from "./fold_text.ts";
import type { Place } from "./types.ts";

interface Country {
  iso2: string;
  iso3: string;
  name: string;
  /** Folded names, aliases and codes. */
  keys: Set<string>;
}

interface Entry {
  name: string;
  folded: string;
  country: Country;
  adminCode: string;
  admin1?: string;
  admin1Folded: string;
  latitude: number;
  longitude: number;
  population: number;
}

interface Gazetteer {
  /** Sorted by population, largest first. */
  entries: Entry[];
  byName: Map<string, Entry[]>;
}

let loaded: Gazetteer | undefined;

/**
 * Parses the gazetteer text.
 *
 * @param text The contents of data/gazetteer.tsv.
 * @returns The places in file order (by population) and an index by folded name.
 */
export function parseGazetteer(text: string): Gazetteer {
  const countries = new Map<string, Country>();
  const admins = new Map<string, { name: string; folded: string }>();
  const entries: Entry[] = [];
  const byName = new Map<string, Entry[]>();
  let lineNo = 0;
  for (const line of text.split("\n")) {
    lineNo++;
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split("\t");
    if (f[0] === "C" && f.length === 4) {
      const names = f[3]!.split("|");
      const keys = new Set([f[1]!, f[2]!, ...names].map(foldText));
      countries.set(f[1]!, { iso2: f[1]!, iso3: f[2]!, name: names[0] ?? f[1]!, keys });
      continue;
    }
    if (f[0] === "A" && f.length === 3) {
      admins.set(f[1]!, { name: f[2]!, folded: foldText(f[2]!) });
      continue;
    }
    const [name = "", cc = "", adminCode = "", lat = "", lon = "", pop = "", folded = ""] = f;
    const country = countries.get(cc);
    const latitude = Number(lat), longitude = Number(lon), population = Number(pop);
    if (f.length !== 7 || !country || !Number.isFinite(latitude + longitude + population)) {
      throw new Error(`Gazetteer line ${lineNo}: malformed place ${JSON.stringify(line)}`);
    }
    const admin1 = admins.get(`${cc}.${adminCode}`);
    const entry: Entry = {
      name,
      folded: folded || foldText(name),
      country,
      adminCode: adminCode.toLowerCase(),
      admin1Folded: admin1?.folded ?? "",
      latitude,
      longitude,
      population,
    };
    if (admin1) entry.admin1 = admin1.name;
    entries.push(entry);
    const list = byName.get(entry.folded);
    if (list) list.push(entry);
    else byName.set(entry.folded, [entry]);
  }
  return { entries, byName };
}

function load(): Gazetteer {
  loaded ??= parseGazetteer(gazetteerText);
  return loaded;
}

/** Whether a qualifier ("California", "TX", "France", "DE") fits a place. */
function qualifies(entry: Entry, qualifier: string): boolean {
  if (entry.country.keys.has(qualifier)) return true;
  if (entry.admin1Folded === qualifier || entry.adminCode === qualifier.replace(/ /g, "")) {
    return true;
  }
  // "Washington, D.C." folds to "d c"; GeoNames codes it DC.
  if (qualifier.length >= 4 && entry.admin1Folded.startsWith(qualifier)) return true;
  return false;
}

/** How well a folded name matches: 3 exact, 2 prefix, 1 a whole word inside, 0 not. */
function nameScore(folded: string, query: string): number {
  if (!folded.includes(query)) return 0;
  if (folded === query) return 3;
  if (folded.startsWith(query)) return 2;
  return ` ${folded} `.includes(` ${query} `) ? 1 : 0;
}

function toPlace(e: Entry): Place {
  const place: Place = {
    name: e.name,
    country: e.country.iso3,
    countryName: e.country.name,
    latitude: e.latitude,
    longitude: e.longitude,
    population: e.population,
  };
  if (e.admin1) place.admin1 = e.admin1;
  return place;
}

function search(g: Gazetteer, name: string, qualifiers: string[], limit: number): Entry[] {
  const fits = (e: Entry) => qualifiers.every((q) => qualifies(e, q));
  const exact = (g.byName.get(name) ?? []).filter(fits);
  if (exact.length >= limit) return exact.slice(0, limit);
  const scored: { e: Entry; score: number }[] = exact.map((e) => ({ e, score: 3 }));
  for (const e of g.entries) {
    const score = nameScore(e.folded, name);
    if (score === 0 || score === 3 || !fits(e)) continue;
    scored.push({ e, score });
  }
  // Entries are in population order and the sort is stable.
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, limit).map((s) => s.e);
}

/**
 * Finds places by name, offline. A query is a place name, optionally followed by commas
 * and qualifiers: admin-1 names or codes and country names or codes ("Paris, Texas",
 * "Stanford, CA", "Cambridge, UK"). Matching ignores case and accents ("Zurich" finds
 * "Zürich"). Without commas, trailing words are tried as qualifiers when the whole query
 * names no place ("Paris Texas").
 *
 * @param query The place to look for.
 * @param limit The most candidates to return.
 * @returns Candidates, best first: exact names before prefixes, then by population.
 */
export function searchPlaces(query: string, limit = 5): Place[] {
  const g = load();
  const parts = query.split(",").map(foldText).filter(Boolean);
  if (parts.length === 0 || limit <= 0) return [];
  const [name = "", ...qualifiers] = parts;
  let hits = search(g, name, qualifiers, limit);
  if (qualifiers.length === 0 && !hits.some((e) => e.folded === name)) {
    const words = name.split(" ");
    for (let cut = words.length - 1; cut >= 1; cut--) {
      const head = words.slice(0, cut).join(" "), tail = words.slice(cut).join(" ");
      const split = search(g, head, [tail], limit);
      if (split.length > 0 && (hits.length === 0 || split[0]!.folded === head)) {
        hits = split;
        break;
      }
    }
  }
  return hits.map(toPlace);
}

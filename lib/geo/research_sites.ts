/**
 * Research-computing sites (national laboratories, supercomputing centres, universities with
 * large HPC systems) for offline geocoding: "Argonne", "NCSA", "MIT, Cambridge MA" name no
 * town, so the gazetteer alone cannot find them. The table is data/research_sites.tsv, each
 * row with its coordinates and their source.
 *
 * @module
 */
import sitesText from "../../data/research_sites.tsv" with { type: "text" };
import { foldText } from "./fold_text.ts";

/** One site of data/research_sites.tsv. */
export interface ResearchSite {
  name: string;
  /** Other names and acronyms ("ANL", "ALCF"). */
  aliases: string[];
  city: string;
  /** State or region. */
  admin1: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  latitude: number;
  longitude: number;
  /** Where the coordinates come from. */
  source: string;
  /** Folded name and aliases. */
  keys: string[];
  /** Folded words of the city and admin-1 name, for qualifiers ("Cambridge MA"). */
  placeWords: Set<string>;
}

const COLUMNS = ["name", "aliases", "city", "admin1", "country", "latitude", "longitude", "source"];

/**
 * Parses the sites table.
 *
 * @param text The contents of data/research_sites.tsv.
 * @returns The sites in file order.
 * @throws {Error} Naming the line and field of a malformed row.
 */
export function parseResearchSites(text: string): ResearchSite[] {
  const sites: ResearchSite[] = [];
  let header = false;
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const f = line.split("\t");
    if (!header) {
      if (f.join(",") !== COLUMNS.join(",")) {
        throw new Error(`research_sites.tsv line ${i + 1}: header must be ${COLUMNS.join(" ")}`);
      }
      header = true;
      return;
    }
    if (f.length !== COLUMNS.length) {
      throw new Error(`research_sites.tsv line ${i + 1}: ${f.length} fields, expected 8`);
    }
    const [name, aliases, city, admin1, country, lat, lon, source] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const latitude = Number(lat), longitude = Number(lon);
    if (!Number.isFinite(latitude) || Math.abs(latitude) > 90) {
      throw new Error(`research_sites.tsv line ${i + 1}: latitude ${JSON.stringify(lat)}`);
    }
    if (!Number.isFinite(longitude) || Math.abs(longitude) > 180) {
      throw new Error(`research_sites.tsv line ${i + 1}: longitude ${JSON.stringify(lon)}`);
    }
    const others = aliases.split("|").filter(Boolean);
    sites.push({
      name,
      aliases: others,
      city,
      admin1,
      country,
      latitude,
      longitude,
      source,
      keys: [name, ...others].map(foldText),
      placeWords: new Set(foldText(`${city} ${admin1}`).split(" ")),
    });
  });
  return sites;
}

let loaded: ResearchSite[] | undefined;

/**
 * The embedded sites table.
 *
 * @returns Every site, parsed once.
 */
export function researchSites(): ResearchSite[] {
  loaded ??= parseResearchSites(sitesText);
  return loaded;
}

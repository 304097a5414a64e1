/**
 * The closest gazetteer places to an address that matched nothing ("Stanfrod, Califronia"),
 * so an error can list candidates instead of a bare "no place found".
 *
 * @module
 */
import type { Place } from "./types.ts";

/** Searches the gazetteer (lib/geo/gazetteer.ts's `searchPlaces`). */
export type PlaceSearch = (query: string, limit: number) => Place[];

/**
 * Candidates for an address with no match: places named by one of its words, else by the
 * longest prefix of a word (at least 3 letters) that names any, most populous first.
 *
 * @param address What the user typed.
 * @param search The gazetteer search.
 * @param limit The most candidates.
 * @returns Up to `limit` places, without repeats.
 */
export function closestPlaces(address: string, search: PlaceSearch, limit = 5): Place[] {
  const words = address.split(/[,\s]+/).filter((w) => w.length >= 3);
  const found: Place[] = [];
  const seen = new Set<string>();
  const add = (places: Place[]) => {
    for (const p of places) {
      const key = `${p.name}|${p.admin1 ?? ""}|${p.country}`;
      if (!seen.has(key) && found.length < limit) {
        seen.add(key);
        found.push(p);
      }
    }
  };
  for (const word of words) add(search(word, 3));
  // A typo: the longest prefix of each word that names a place ("Stanfrod" -> "Stanf").
  for (const word of words) {
    if (found.length >= limit) break;
    for (let cut = word.length - 1; cut >= 3; cut--) {
      const places = search(word.slice(0, cut), 3);
      if (places.length > 0) {
        add(places);
        break;
      }
    }
  }
  return found;
}

/**
 * The end of an error about an address that matched nothing: its closest places, or nothing
 * when none is close. `impact region`, `impact estimate` and `impact run` word it alike.
 *
 * @param address What the user typed.
 * @param search The gazetteer search.
 * @returns `; closest candidates: <place>; <place>`, or "".
 */
export function closestCandidatesClause(address: string, search: PlaceSearch): string {
  const near = closestPlaces(address, search);
  return near.length > 0 ? `; closest candidates: ${near.map(describePlace).join("; ")}` : "";
}

/**
 * A place in words: name, admin-1 area, country.
 *
 * @param place A gazetteer or geocoder place.
 * @returns e.g. `Stanford, California, United States of America`.
 */
export function describePlace(place: Place): string {
  return [place.name, place.admin1, place.countryName].filter((s) => s).join(", ");
}

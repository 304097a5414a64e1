/**
 * Geo benchmarks: zone lookup per point after load (indexed vs a brute-force scan of every
 * polygon), the time to load the zones data in a fresh process (vs JSON.parse of the same
 * file), and the gazetteer's load and first search (vs splitting its text).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { BenchResult } from "../bench.ts";
import zonesData from "../../data/zones.json" with { type: "json" };
import { decodeZones, zoneAt, type ZonesFile } from "../../lib/geo/zones.ts";
import { PolygonIndex } from "../../lib/geo/polygon_index.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Deterministic pseudo-random points: land-heavy (near cities) and anywhere. */
function samplePoints(count: number): [number, number][] {
  let seed = 42;
  const rand = () => (seed = (seed * 1664525 + 1013904223) % 4294967296) / 4294967296;
  const anchors: [number, number][] = [
    [37.4, -122.1],
    [40.7, -74.0],
    [51.5, -0.1],
    [48.9, 2.3],
    [52.5, 13.4],
    [35.7, 139.7],
    [28.6, 77.2],
    [-33.9, 151.2],
    [-23.5, -46.6],
    [55.8, 37.6],
    [1.35, 103.8],
    [47.6, 7.6],
  ];
  const points: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      const [lat, lon] = anchors[i % anchors.length]!;
      points.push([lat + (rand() - 0.5) * 4, lon + (rand() - 0.5) * 4]);
    } else {
      points.push([rand() * 140 - 60, rand() * 360 - 180]);
    }
  }
  return points;
}

function timePerCallUs(
  points: [number, number][],
  f: (lat: number, lon: number) => unknown,
): number {
  const t0 = performance.now();
  for (const [lat, lon] of points) f(lat, lon);
  return ((performance.now() - t0) * 1000) / points.length;
}

async function freshProcessMs(code: string): Promise<number> {
  const { stdout, code: exit } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", `${ROOT}deno.json`, code],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (exit !== 0) throw new Error(`Benchmark child process failed with exit code ${exit}`);
  return Number(new TextDecoder().decode(stdout).trim());
}

async function median(f: () => Promise<number>, runs = 5): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await f());
  values.sort((a, b) => a - b);
  return values[Math.floor(runs / 2)]!;
}

/**
 * Runs the geo benchmarks.
 *
 * @returns Lookup time per point and data load time, each with its baseline.
 */
export async function bench(): Promise<BenchResult[]> {
  const points = samplePoints(20_000);
  zoneAt(0, 0);
  timePerCallUs(points, zoneAt); // warm the cells the points touch
  const indexedUs = timePerCallUs(points, zoneAt);
  const { parts } = decodeZones(zonesData as ZonesFile);
  const brute = new PolygonIndex(parts);
  brute.lookupBruteForce(0, 0);
  const brutePoints = points.slice(0, 500);
  const bruteUs = timePerCallUs(brutePoints, (lat, lon) => brute.lookupBruteForce(lon, lat));

  const zonesUrl = new URL("../../lib/geo/zones.ts", import.meta.url).href;
  const jsonPath = `${ROOT}data/zones.json`;
  const loadMs = await median(() =>
    freshProcessMs(
      `const t = performance.now(); const m = await import(${JSON.stringify(zonesUrl)}); ` +
        `m.zoneAt(48.85, 2.35); console.log(performance.now() - t);`,
    )
  );
  const parseMs = await median(() =>
    freshProcessMs(
      `const s = Deno.readTextFileSync(${JSON.stringify(jsonPath)}); ` +
        `const t = performance.now(); JSON.parse(s); console.log(performance.now() - t);`,
    )
  );
  const gazetteerUrl = new URL("../../lib/geo/gazetteer.ts", import.meta.url).href;
  const gazetteerPath = `${ROOT}data/gazetteer.tsv`;
  const gazetteerMs = await median(() =>
    freshProcessMs(
      `const t = performance.now(); const m = await import(${JSON.stringify(gazetteerUrl)}); ` +
        `m.searchPlaces("Stanford, California"); console.log(performance.now() - t);`,
    )
  );
  const splitMs = await median(() =>
    freshProcessMs(
      `const s = Deno.readTextFileSync(${JSON.stringify(gazetteerPath)}); ` +
        `const t = performance.now(); s.split("\\n").map((l) => l.split("\\t")); ` +
        `console.log(performance.now() - t);`,
    )
  );
  return [
    {
      name: "zone lookup per point, after load",
      value: indexedUs,
      unit: "us",
      baseline: { name: "brute-force scan of every polygon", value: bruteUs },
      target: "< 20 us",
      met: indexedUs < 20,
    },
    {
      name: "zones data load (import, decode, index, first lookup) in a fresh process",
      value: loadMs,
      unit: "ms",
      baseline: { name: "JSON.parse of data/zones.json", value: parseMs },
      target: "< 150 ms",
      met: loadMs < 150,
    },
    {
      name: "gazetteer load and first search in a fresh process",
      value: gazetteerMs,
      unit: "ms",
      baseline: { name: "splitting data/gazetteer.tsv into lines and fields", value: splitMs },
      target: "< 300 ms",
      met: gazetteerMs < 300,
    },
  ];
}

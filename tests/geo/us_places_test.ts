import { ok } from "node:assert/strict";
import { zoneAt } from "../../lib/geo/zones.ts";

/** One row of tests/fixtures/us_places_ba.csv. */
interface CheckPlace {
  place: string;
  state: string;
  latitude: number;
  longitude: number;
  zone: string;
}

function readCheckTable(): CheckPlace[] {
  const text = Deno.readTextFileSync(
    new URL("../fixtures/us_places_ba.csv", import.meta.url),
  );
  const lines = text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
  const [, ...rows] = lines;
  return rows.map((line, i) => {
    const [place = "", state = "", lat = "", lon = "", zone = ""] = line.split(",");
    const latitude = Number(lat), longitude = Number(lon);
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || !zone.startsWith("US")) {
      throw new Error(`us_places_ba.csv row ${i + 1}: malformed ${JSON.stringify(line)}`);
    }
    return { place, state, latitude, longitude, zone };
  });
}

/** The places whose looked-up zone is not the one given, as "name: got (want)". */
function misses(places: [string, number, number, string][]): string[] {
  return places.filter(([, lat, lon, zone]) => zoneAt(lat, lon)?.zone !== zone)
    .map(([name, lat, lon, zone]) => `${name}: ${zoneAt(lat, lon)?.zone} (${zone})`);
}

Deno.test("the US zone lookup agrees with the check table on at least 90% of places", () => {
  const places = readCheckTable();
  ok(places.length >= 150, `only ${places.length} places`);
  ok(new Set(places.map((p) => p.state)).size === 51, "every state and DC");
  const wrong = misses(
    places.map((p) => [`${p.place}, ${p.state}`, p.latitude, p.longitude, p.zone]),
  );
  const agreement = 1 - wrong.length / places.length;
  ok(
    agreement >= 0.9,
    `agreement ${(agreement * 100).toFixed(1)}%; wrong:\n${wrong.join("\n")}`,
  );
});

Deno.test("the places the issue names give their balancing areas", () => {
  const want: [string, number, number, string][] = [
    ["NCSA", 40.1149, -88.2249, "US-MIDW-MISO"],
    ["Argonne", 41.7183, -87.9786, "US-MIDA-PJM"],
    ["Oak Ridge", 35.931, -84.31, "US-TEN-TVA"],
    ["St. Louis", 38.627, -90.1994, "US-MIDW-MISO"],
    ["Kansas City", 39.0997, -94.5786, "US-CENT-SWPP"],
    ["Tempe", 33.4242, -111.9281, "US-SW-SRP"],
    ["Tampa", 27.9506, -82.4572, "US-FLA-TEC"],
    ["Seattle", 47.6062, -122.3321, "US-NW-SCL"],
    ["Tucson", 32.2319, -110.9501, "US-SW-TEPC"],
    ["Gainesville", 29.6436, -82.3549, "US-FLA-GVL"],
    ["Cheyenne", 41.1400, -104.8202, "US-NW-WACM"],
    ["Covington", 39.0837, -84.5086, "US-MIDA-PJM"],
  ];
  const wrong = misses(want);
  ok(wrong.length === 0, wrong.join("; "));
});

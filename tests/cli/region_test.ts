import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runCli } from "../../lib/cli/app.ts";
import { regionCommandDeps } from "../../lib/cli/commands/region.ts";
import type { Place } from "../../lib/geo/types.ts";
import { stanford } from "../helpers/places.ts";
import { captureContext } from "../helpers/context.ts";

const realLoad = regionCommandDeps.load;
const stanfordKy: Place = { ...stanford, admin1: "Kentucky", latitude: 37.53, longitude: -84.66 };

function fake() {
  regionCommandDeps.load = () =>
    Promise.resolve({
      zoneAt: (lat: number, lon: number) =>
        lon < -114
          ? { zone: "US-CAL-CISO", country: "USA" }
          : lat > 0 && lon > -90 && lon < -80
          ? { zone: "US-MIDW-LGEE", country: "USA" }
          : undefined,
      searchPlaces: (query: string) =>
        query.startsWith("Stanford, California")
          ? [stanford]
          : query === "Stanford"
          ? [stanford, stanfordKy]
          : [],
      geocodeOnline: () => Promise.resolve([stanford]),
      zoneIds: () => ["US-CAL-CISO"],
    });
}

Deno.test("region --zone prints zone, intensity, year, source and renewables", async () => {
  const ctx = captureContext();
  equal(await runCli(["region", "--zone", "DE", "--year", "2022"], ctx), 0);
  match(ctx.out(), /Zone: +DE \(DEU\)/);
  match(ctx.out(), /Intensity: +\d+ gCO2e\/kWh \(2022\)/);
  match(ctx.out(), /Renewables: +\d+%/);
  match(ctx.out(), /Electricity Maps/);
});

Deno.test("region --zone --json gives the stable shape", async () => {
  const ctx = captureContext();
  equal(await runCli(["region", "--zone", "us-cal-ciso", "--json"], ctx), 0);
  const body = JSON.parse(ctx.out());
  equal(body.zone, "US-CAL-CISO");
  equal(body.country, "USA");
  equal(body.year, 2025);
  equal(typeof body.intensityGramsPerKwh, "number");
  ok(body.source.includes("Electricity Maps"));
});

Deno.test("an unknown zone exits 3 with the nearest valid ones", async () => {
  const ctx = captureContext();
  equal(await runCli(["region", "--zone", "US-CAL-CSIO"], ctx), 3);
  match(ctx.err(), /Unknown grid zone "US-CAL-CSIO".*US-CAL-CISO/);
});

Deno.test("--top and --bottom list zones sorted by intensity", async () => {
  const ctx = captureContext();
  equal(await runCli(["region", "--top", "5", "--json"], ctx), 0);
  const top = JSON.parse(ctx.out()) as { intensityGramsPerKwh: number }[];
  equal(top.length, 5);
  ok(top.every((r, i) => i === 0 || top[i - 1]!.intensityGramsPerKwh <= r.intensityGramsPerKwh));
  const ctx2 = captureContext();
  equal(await runCli(["region", "--bottom", "3", "--json"], ctx2), 0);
  const bottom = JSON.parse(ctx2.out()) as { intensityGramsPerKwh: number }[];
  ok(bottom[0]!.intensityGramsPerKwh > top[4]!.intensityGramsPerKwh);
  ok(bottom[0]!.intensityGramsPerKwh >= bottom[2]!.intensityGramsPerKwh);
});

Deno.test("--address resolves through the gazetteer and shows other candidates", async () => {
  fake();
  const ctx = captureContext();
  equal(await runCli(["region", "--address", "Stanford, California", "--json"], ctx), 0);
  const body = JSON.parse(ctx.out());
  equal(body.zone, "US-CAL-CISO");
  equal(body.place, "Stanford, California, United States");
  const ctx2 = captureContext();
  equal(await runCli(["region", "--address", "Stanford"], ctx2), 0);
  match(ctx2.out(), /Other matches/);
  match(ctx2.out(), /Stanford, Kentucky, United States/);
});

Deno.test("an address not found exits 3 with the closest candidates", async () => {
  fake();
  const ctx = captureContext();
  equal(await runCli(["region", "--address", "Stanfrod Stanford"], ctx), 3);
  match(
    ctx.err(),
    /No place found for "Stanfrod Stanford"; closest candidates: Stanford, California/,
  );
});

Deno.test("--lat/--lon answers the zone; bad input is a usage or input error", async () => {
  fake();
  const ctx = captureContext();
  equal(await runCli(["region", "--lat", "37.4", "--lon", "-122.1", "--json"], ctx), 0);
  deepEqual(JSON.parse(ctx.out()).zone, "US-CAL-CISO");
  equal(await runCli(["region", "--lat", "0", "--lon", "0"], captureContext()), 3);
  equal(await runCli(["region", "--zone", "DE", "--top", "3"], captureContext()), 2);
  equal(await runCli(["region", "--zone", "DE", "--year", "1999"], captureContext()), 2);
  equal(await runCli(["region", "--top", "zero"], captureContext()), 2);
});

Deno.test("a failing online geocoder exits 6", async () => {
  fake();
  const deps = await regionCommandDeps.load();
  regionCommandDeps.load = () =>
    Promise.resolve({
      ...deps,
      geocodeOnline: () => Promise.reject(new Error("connection refused")),
    });
  const ctx = captureContext();
  equal(await runCli(["region", "--address", "Stanford", "--online"], ctx), 6);
  match(ctx.err(), /Online geocoding failed: connection refused/);
});

Deno.test("the places the issue names give their zones by address", async () => {
  regionCommandDeps.load = realLoad;
  const want: [string, string][] = [
    ["NCSA", "US-MIDW-MISO"],
    ["Argonne", "US-MIDA-PJM"],
    ["Oak Ridge, Tennessee", "US-TEN-TVA"],
    ["St. Louis", "US-MIDW-MISO"],
    ["Kansas City", "US-CENT-SWPP"],
    ["Tempe", "US-SW-SRP"],
    ["Tampa", "US-FLA-TEC"],
    ["Seattle", "US-NW-SCL"],
    ["Hamamatsu", "JP-CB"],
  ];
  const wrong: string[] = [];
  for (const [address, zone] of want) {
    const ctx = captureContext();
    await runCli(["region", "--address", address, "--json"], ctx);
    const got = JSON.parse(ctx.out() || "{}").zone;
    if (got !== zone) wrong.push(`${address}: ${got} (want ${zone}) ${ctx.err()}`);
  }
  deepEqual(wrong, []);
});

Deno.test("an ambiguous address lists alternatives with zones; --pick chooses", async () => {
  regionCommandDeps.load = realLoad;
  const ctx = captureContext();
  equal(await runCli(["region", "--address", "Springfield", "--json"], ctx), 0);
  const body = JSON.parse(ctx.out());
  match(body.place, /^Springfield, Missouri/);
  ok(body.alternatives.length >= 2);
  const illinois = body.alternatives.find((a: { place: string }) => a.place.includes("Illinois"));
  equal(illinois.zone, "US-MIDW-MISO");
  match(ctx.err(), /"Springfield" is ambiguous; using Springfield, Missouri.*\n.*--pick 2: /);
  const picked = captureContext();
  equal(
    await runCli(["region", "--address", "Springfield", "--pick", String(illinois.pick)], picked),
    0,
  );
  match(picked.out(), /Place: +Springfield, Illinois/);
  equal(picked.err(), "");
  equal(await runCli(["region", "--address", "Springfield", "--pick", "99"], captureContext()), 2);
  equal(await runCli(["region", "--zone", "DE", "--pick", "2"], captureContext()), 2);
  // A qualified address is not ambiguous.
  const qualified = captureContext();
  equal(await runCli(["region", "--address", "Springfield, Illinois", "--json"], qualified), 0);
  equal(JSON.parse(qualified.out()).alternatives, undefined);
});

Deno.test("a point served by several balancing areas says which", async () => {
  regionCommandDeps.load = realLoad;
  const ctx = captureContext();
  equal(await runCli(["region", "--lat", "47.6062", "--lon", "-122.3321"], ctx), 0);
  match(ctx.out(), /Zone: +US-NW-SCL \(USA\)\n +also served by .*US-NW-PSEI/);
  const json = captureContext();
  equal(await runCli(["region", "--lat", "47.6062", "--lon", "-122.3321", "--json"], json), 0);
  ok(JSON.parse(json.out()).alsoServedBy.includes("US-NW-PSEI"));
});

Deno.test("--points prints one JSON line per point and names bad lines", async () => {
  regionCommandDeps.load = realLoad;
  const dir = await Deno.makeTempDir();
  const file = `${dir}/sites.csv`;
  await Deno.writeTextFile(
    file,
    "lat,lon\n40.1149,-88.2249\nnorth,-88\n\n# a comment\n0,-30\n35.931,-84.31,ORNL\n91,0\n",
  );
  const ctx = captureContext();
  equal(await runCli(["region", "--points", file, "--year", "2024"], ctx), 0);
  const lines = ctx.out().trim().split("\n").map((l) => JSON.parse(l));
  deepEqual(lines.map((l) => [l.line, l.zone]), [
    [2, "US-MIDW-MISO"],
    [6, null],
    [7, "US-TEN-TVA"],
  ]);
  equal(lines[0].year, 2024);
  ok(lines[0].intensityGramsPerKwh > 0);
  match(ctx.err(), /sites\.csv:3: latitude "north" is not a decimal number; line skipped/);
  match(ctx.err(), /sites\.csv:8: latitude 91 is outside \+-90; line skipped/);
  await Deno.writeTextFile(file, "x,y,z\n");
  equal(await runCli(["region", "--points", file], captureContext()), 3);
  equal(await runCli(["region", "--points", `${dir}/missing.csv`], captureContext()), 3);
  await Deno.remove(dir, { recursive: true });
});

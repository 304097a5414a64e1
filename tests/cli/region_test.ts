import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runCli } from "../../lib/cli/app.ts";
import { regionCommandDeps } from "../../lib/cli/commands/region.ts";
import type { Place } from "../../lib/geo/types.ts";
import { stanford } from "../helpers/places.ts";
import { captureContext } from "../helpers/context.ts";

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

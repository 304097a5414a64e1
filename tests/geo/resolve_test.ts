import { deepEqual, equal, ok, rejects, throws } from "node:assert/strict";
import {
  parseRegionFlags,
  RegionInputError,
  type ResolveDeps,
  resolveRegion,
} from "../../lib/geo/resolve.ts";
import { stanford } from "../helpers/places.ts";

/** Fake geo lookups: California is CISO, everything else at lat > 45 is Germany, the rest ocean. */
function fakeDeps(calls: string[] = []): ResolveDeps {
  return {
    zoneAt(lat, lon) {
      calls.push(`zoneAt ${lat} ${lon}`);
      if (lat > 32 && lat < 42 && lon < -114) return { zone: "US-CAL-CISO", country: "USA" };
      if (lat > 45) return { zone: "DE", country: "DEU" };
      return undefined;
    },
    searchPlaces(query) {
      calls.push(`search ${query}`);
      return query.startsWith("Stanford") ? [stanford] : [];
    },
    geocodeOnline(query, options) {
      calls.push(`online ${query} ${options.baseUrl}`);
      return Promise.resolve([{ ...stanford, name: "Stanford (online)" }]);
    },
    zoneIds: () => ["DE", "US-CAL-CISO", "XX-POLY"],
  };
}

Deno.test("--zone wins over everything and is validated, case-insensitively", async () => {
  const info = await resolveRegion(
    { zone: "us-cal-ciso", country: "DEU", envZone: "FR" },
    fakeDeps(),
  );
  deepEqual(info, { zone: "US-CAL-CISO", country: "USA", source: "--zone" });
  equal((await resolveRegion({ zone: "XX-POLY" }, fakeDeps())).zone, "XX-POLY");
  await rejects(() => resolveRegion({ zone: "US-CAL-CSIO" }, fakeDeps()), (error: unknown) => {
    ok(error instanceof RegionInputError);
    ok(error.suggestions.includes("US-CAL-CISO"), error.message);
    return true;
  });
});

Deno.test("--cloud brings the region's zone, PUE and location", async () => {
  const info = await resolveRegion(
    { cloud: "aws:eu-west-1", latitude: 50, longitude: 8 },
    fakeDeps(),
  );
  equal(info.source, "--cloud");
  equal(info.zone, "IE");
  equal(info.country, "IRL");
  deepEqual(info.cloud, { provider: "aws", region: "eu-west-1", pue: 1.135 });
  await rejects(() => resolveRegion({ cloud: "aws:eu-west-9" }, fakeDeps()), /eu-west-1/);
});

Deno.test("--lat/--lon goes through the zone polygons; open ocean is unknown", async () => {
  deepEqual(await resolveRegion({ latitude: 37.4, longitude: -122.1 }, fakeDeps()), {
    zone: "US-CAL-CISO",
    country: "USA",
    source: "--lat/--lon",
    latitude: 37.4,
    longitude: -122.1,
  });
  const ocean = await resolveRegion({ latitude: 0, longitude: -140 }, fakeDeps());
  equal(ocean.source, "unknown");
  equal(ocean.zone, undefined);
});

Deno.test("--address uses the offline gazetteer unless --online is given", async () => {
  const calls: string[] = [];
  const info = await resolveRegion({ address: "Stanford, California" }, fakeDeps(calls));
  equal(info.zone, "US-CAL-CISO");
  equal(info.source, "--address");
  equal(info.place, "Stanford, California, United States");
  ok(calls.includes("search Stanford, California"));
  ok(!calls.some((c) => c.startsWith("online")));
  const online = await resolveRegion(
    { address: "Stanford", online: { baseUrl: "http://127.0.0.1:1" } },
    fakeDeps(calls),
  );
  ok(online.place?.startsWith("Stanford (online)"));
  ok(calls.includes("online Stanford http://127.0.0.1:1"));
  await rejects(() => resolveRegion({ address: "Atlantis" }, fakeDeps()), /No place found/);
});

Deno.test("--country takes alpha-3 or alpha-2; unknown codes list the nearest", async () => {
  deepEqual(await resolveRegion({ country: "deu" }, fakeDeps()), {
    zone: "DE",
    country: "DEU",
    source: "--country",
  });
  equal((await resolveRegion({ country: "US" }, fakeDeps())).country, "USA");
  await rejects(() => resolveRegion({ country: "USX" }, fakeDeps()), /nearest valid codes: .*USA/);
});

Deno.test("IMPACT_ZONE is the fallback; nothing given is unknown without any lookup", async () => {
  deepEqual(await resolveRegion({ envZone: "FR" }, fakeDeps()), {
    zone: "FR",
    country: "FRA",
    source: "IMPACT_ZONE",
  });
  const calls: string[] = [];
  deepEqual(await resolveRegion({}, fakeDeps(calls)), { source: "unknown" });
  deepEqual(calls, []);
});

Deno.test("--locate-by-ip asks the configured URL only when opted in", async () => {
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    hits++;
    return Response.json({
      ip: "192.0.2.1",
      latitude: 52.52,
      longitude: 13.4,
      country_code_iso3: "DEU",
    });
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/json/`;
    const info = await resolveRegion({ locateByIp: { url } }, fakeDeps());
    deepEqual(info, {
      zone: "DE",
      country: "DEU",
      source: "--locate-by-ip",
      latitude: 52.52,
      longitude: 13.4,
    });
    equal(hits, 1);
    await resolveRegion({ envZone: "FR" }, fakeDeps());
    equal(hits, 1);
  } finally {
    await server.shutdown();
  }
});

Deno.test("parseRegionFlags checks coordinates and reads IMPACT_ZONE", () => {
  const env = (name: string) => ({ IMPACT_ZONE: "SE-SE3" } as Record<string, string>)[name];
  deepEqual(parseRegionFlags({ lat: "37.4", lon: "-122.1" }, env), {
    latitude: 37.4,
    longitude: -122.1,
    envZone: "SE-SE3",
  });
  throws(
    () => parseRegionFlags({ lat: "91", lon: "0" }, env),
    /--lat must be a number within \+-90, got "91"/,
  );
  throws(() => parseRegionFlags({ lat: "1" }, env), /together/);
  throws(() => parseRegionFlags({ lat: "x", lon: "1" }, env), RegionInputError);
  deepEqual(parseRegionFlags({ locateByIp: true }, () => undefined).locateByIp, {
    url: "https://ipapi.co/json/",
  });
  deepEqual(parseRegionFlags({ zone: "DE", online: true }, () => undefined), {
    zone: "DE",
    online: {},
  });
});

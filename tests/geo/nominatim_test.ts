import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { DEFAULT_USER_AGENT, geocodeOnline, GeocoderError } from "../../lib/geo/nominatim.ts";

/** Nominatim's real jsonv2 + addressdetails shape, with our own values. */
const STANFORD = [{
  place_id: 301234,
  licence: "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
  osm_type: "relation",
  osm_id: 112233,
  lat: "37.4248",
  lon: "-122.1656",
  category: "boundary",
  type: "administrative",
  place_rank: 16,
  importance: 0.61,
  addresstype: "town",
  name: "Stanford",
  display_name: "Stanford, Santa Clara County, California, United States",
  address: {
    town: "Stanford",
    county: "Santa Clara County",
    state: "California",
    "ISO3166-2-lvl4": "US-CA",
    country: "United States",
    country_code: "us",
  },
  boundingbox: ["37.40", "37.45", "-122.19", "-122.14"],
}, {
  place_id: 305678,
  lat: "51.10",
  lon: "-1.20",
  name: "",
  display_name: "Stanford Dingley, West Berkshire, England, United Kingdom",
  address: {
    village: "Stanford Dingley",
    state: "England",
    country: "United Kingdom",
    country_code: "gb",
  },
}];

interface Seen {
  path: string;
  params: URLSearchParams;
  userAgent: string | null;
}

async function withServer(
  answer: (req: Request) => Response,
  run: (baseUrl: string, seen: Seen[]) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    seen.push({
      path: url.pathname,
      params: url.searchParams,
      userAgent: req.headers.get("user-agent"),
    });
    return answer(req);
  });
  try {
    await run(`http://127.0.0.1:${server.addr.port}`, seen);
  } finally {
    await server.shutdown();
  }
}

const noWait = { minIntervalMs: 0 };

Deno.test("geocodeOnline asks /search in jsonv2 with address details and maps the answer", async () => {
  await withServer(() => Response.json(STANFORD), async (base, seen) => {
    const places = await geocodeOnline("Stanford, California", {
      ...noWait,
      baseUrl: base,
      userAgent: "impact-test/1.0 (+https://example.org/impact)",
    });
    equal(seen.length, 1);
    equal(seen[0]!.path, "/search");
    equal(seen[0]!.params.get("format"), "jsonv2");
    equal(seen[0]!.params.get("addressdetails"), "1");
    equal(seen[0]!.params.get("q"), "Stanford, California");
    equal(seen[0]!.userAgent, "impact-test/1.0 (+https://example.org/impact)");
    deepEqual(places[0], {
      name: "Stanford",
      admin1: "California",
      country: "USA",
      countryName: "United States",
      latitude: 37.4248,
      longitude: -122.1656,
      population: 0,
    });
    equal(places[1]?.name, "Stanford Dingley"); // empty name: first part of display_name
    equal(places[1]?.country, "GBR");
  });
});

Deno.test("geocodeOnline sends the tool's User-Agent by default and keeps a path prefix", async () => {
  await withServer(() => Response.json([]), async (base, seen) => {
    deepEqual(await geocodeOnline("Nowhere", { ...noWait, baseUrl: `${base}/nominatim/` }), []);
    equal(seen[0]!.path, "/nominatim/search");
    equal(seen[0]!.userAgent, DEFAULT_USER_AGENT);
    match(DEFAULT_USER_AGENT, /^impact\/\d+\.\d+\.\d+/);
  });
});

Deno.test("geocodeOnline keeps one second between requests to a server", async () => {
  await withServer(() => Response.json([]), async (base) => {
    let clock = 50_000;
    const slept: number[] = [];
    const options = {
      baseUrl: `${base}/rate`,
      now: () => clock,
      sleep: (ms: number) => {
        slept.push(ms);
        clock += ms;
        return Promise.resolve();
      },
    };
    await geocodeOnline("a", options);
    clock += 300;
    await geocodeOnline("b", options);
    await Promise.all([geocodeOnline("c", options), geocodeOnline("d", options)]);
    deepEqual(slept, [700, 1000, 1000]);
  });
});

Deno.test("an HTTP error names the URL and the status", async () => {
  await withServer(
    () => new Response("busy", { status: 503, statusText: "Service Unavailable" }),
    async (base) => {
      await rejects(geocodeOnline("Paris", { ...noWait, baseUrl: base }), (e: unknown) => {
        ok(e instanceof GeocoderError);
        equal(e.status, 503);
        match(e.message, /127\.0\.0\.1:\d+\/search\?format=jsonv2/);
        match(e.message, /HTTP 503/);
        return true;
      });
    },
  );
});

Deno.test("a rate-limit refusal says why", async () => {
  await withServer(() => new Response("", { status: 429 }), async (base) => {
    await rejects(
      geocodeOnline("Paris", { ...noWait, baseUrl: base }),
      /HTTP 429.*too many requests/,
    );
  });
});

Deno.test("an answer that is not a result list is an error naming the URL", async () => {
  await withServer(() => new Response("<html>", { status: 200 }), async (base) => {
    await rejects(geocodeOnline("Paris", { ...noWait, baseUrl: base }), /invalid JSON/);
  });
  await withServer(() => Response.json({ error: "x" }), async (base) => {
    await rejects(geocodeOnline("Paris", { ...noWait, baseUrl: base }), /not a list/);
  });
});

Deno.test("an unreachable geocoder is a GeocoderError naming the URL", async () => {
  let closedBase = "";
  await withServer(() => Response.json([]), (base) => {
    closedBase = base;
    return Promise.resolve();
  });
  await rejects(geocodeOnline("Paris", { ...noWait, baseUrl: closedBase }), (e: unknown) => {
    ok(e instanceof GeocoderError);
    equal(e.status, undefined);
    match(e.message, /^Cannot reach the geocoder at http:\/\/127\.0\.0\.1:\d+\/search/);
    return true;
  });
});

import { equal, ok, rejects, throws } from "node:assert/strict";
import {
  electricityMapsLatest,
  parseElectricityMapsLatest,
} from "../../../lib/geo/live/electricitymaps.ts";
import { parseUkIntensity, ukIntensityNow } from "../../../lib/geo/live/uk.ts";
import { caisoIntensityNow, parseCaisoFuelSource } from "../../../lib/geo/live/caiso.ts";
import { createLivePoller } from "../../../lib/geo/live/poller.ts";
import { LiveIntensityError } from "../../../lib/geo/live/reading.ts";
import { intensityFor } from "../../../lib/geo/intensity.ts";

/** A fake API on 127.0.0.1; `handler` sees each request. */
async function withServer(
  handler: (request: Request) => Response,
  body: (baseUrl: string) => Promise<void>,
): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    await body(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

const emAnswer = {
  zone: "DE",
  carbonIntensity: 287,
  datetime: "2026-03-01T10:00:00.000Z",
  updatedAt: "2026-03-01T09:52:11.000Z",
  createdAt: "2026-02-26T10:01:40.000Z",
  emissionFactorType: "lifecycle",
  isEstimated: true,
  estimationMethod: "TIME_SLICER_AVERAGE",
};

const ukAnswer = {
  data: [{
    from: "2026-03-01T10:00Z",
    to: "2026-03-01T10:30Z",
    intensity: { forecast: 181, actual: null, index: "moderate" },
  }],
};

const caisoCsv = [
  "Time,Solar,Wind,Geothermal,Biomass,Biogas,Small hydro,Coal,Nuclear,Natural gas,Large hydro,Batteries,Imports,Other",
  "00:00,0,1000,900,300,200,100,0,2200,5000,1500,-200,6000,0",
  "00:05,0,1000,900,300,200,100,0,2200,5000,1500,-200,6000,0",
  "00:10,,,,,,,,,,,,,",
].join("\n");

Deno.test("Electricity Maps: the token goes in auth-token and the zone in the query", async () => {
  let token: string | null = null;
  let url = "";
  await withServer((request) => {
    token = request.headers.get("auth-token");
    url = request.url;
    return Response.json(emAnswer);
  }, async (baseUrl) => {
    const reading = await electricityMapsLatest("DE", "secret", { baseUrl });
    equal(reading.gramsPerKwh, 287);
    equal(reading.at, "2026-03-01T10:00:00.000Z");
    equal(reading.source, "Electricity Maps live (DE)");
  });
  equal(token, "secret");
  equal(new URL(url).pathname, "/v3/carbon-intensity/latest");
  equal(new URL(url).searchParams.get("zone"), "DE");
  throws(() => parseElectricityMapsLatest('{"error":"x"}', "DE"), LiveIntensityError);
});

Deno.test("Electricity Maps: an HTTP error names the URL and status", async () => {
  await withServer(
    () => new Response('{"message":"bad token"}', { status: 401 }),
    async (baseUrl) => {
      await rejects(() => electricityMapsLatest("DE", "x", { baseUrl }), /answered 401/);
    },
  );
});

Deno.test("carbonintensity.org.uk: forecast stands in when actual is null", async () => {
  await withServer(() => Response.json(ukAnswer), async (baseUrl) => {
    const reading = await ukIntensityNow({ baseUrl });
    equal(reading.gramsPerKwh, 181);
    ok(reading.source.includes("forecast"));
    equal(reading.at, "2026-03-01T10:00:00.000Z");
  });
  const actual = structuredClone(ukAnswer);
  actual.data[0]!.intensity.actual = 175 as unknown as null;
  equal(parseUkIntensity(JSON.stringify(actual)).gramsPerKwh, 175);
  throws(() => parseUkIntensity('{"data":[]}'), /no data\[0\]/);
});

Deno.test("CAISO: the latest complete row's fuel mix, batteries left out", async () => {
  await withServer((request) => {
    equal(new URL(request.url).pathname, "/outlook/SP/fuelsource.csv");
    return new Response(caisoCsv, { headers: { "content-type": "text/csv" } });
  }, async (baseUrl) => {
    const reading = await caisoIntensityNow(250, new Date("2026-03-01T20:00:00Z"), { baseUrl });
    // (1000*11 + 900*38 + 300*230 + 200*230 + 100*24 + 2200*12 + 5000*490 + 1500*24 + 6000*250) / 17200
    const expected = (11000 + 34200 + 69000 + 46000 + 2400 + 26400 + 2450000 + 36000 + 1500000) /
      17200;
    equal(reading.gramsPerKwh, Math.round(expected * 10) / 10);
    equal(reading.at, "2026-03-01T00:05:00-08:00");
  });
  throws(() => parseCaisoFuelSource("Time,Solar\n00:00,abc\n", "2026-03-01", 1), /field solar/);
  throws(() => parseCaisoFuelSource("Hour,Solar\n", "2026-03-01", 1), /no Time column/);
});

Deno.test("the poller keeps a series and falls back to the yearly figure on failure", async () => {
  let fail = false;
  await withServer(
    () => fail ? new Response("down", { status: 503 }) : Response.json(ukAnswer),
    async (baseUrl) => {
      const poller = createLivePoller({
        provider: "uk",
        intervalMs: 60_000,
        baseUrl,
        now: () => 0,
      });
      equal((await poller.poll()).gramsPerKwh, 181);
      fail = true;
      const failed = await poller.poll();
      equal(failed.gramsPerKwh, intensityFor("GB")!.intensityGramsPerKwh);
      ok(failed.fallback?.reason.includes("503"), failed.fallback?.reason);
      ok(failed.source.includes("live uk failed"));
      equal(poller.series().length, 2);
      equal(poller.failures().length, 1);
      equal(poller.latest(), failed);
      await poller.stop();
    },
  );
});

Deno.test("the poller polls on start and stops cleanly", async () => {
  await withServer(() => Response.json(emAnswer), async (baseUrl) => {
    const poller = createLivePoller({
      provider: "electricitymaps",
      zone: "DE",
      token: "t",
      intervalMs: 10,
      baseUrl,
    });
    poller.start();
    while (poller.series().length < 2) await new Promise((r) => setTimeout(r, 5));
    await poller.stop();
    const count = poller.series().length;
    await new Promise((r) => setTimeout(r, 30));
    equal(poller.series().length, count);
    ok(poller.series().every((p) => p.gramsPerKwh === 287));
  });
  throws(
    () => createLivePoller({ provider: "electricitymaps", zone: "DE", intervalMs: 1 }),
    /ELECTRICITYMAPS_TOKEN/,
  );
});

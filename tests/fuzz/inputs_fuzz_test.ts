/**
 * Fuzzing what users and services hand the tool (issue 12, items 4 and 7): the points file of
 * `impact region --points`, site specs and their filters, gazetteer queries, live-intensity
 * answers, and the numeric flags.
 *
 * @module
 */
import { equal, ok } from "node:assert/strict";
import { fuzz, oneOf } from "./fuzz.ts";
import { readFixture } from "../helpers/fixture_files.ts";
import { parseRunArgv } from "../helpers/run_argv.ts";
import { parsePoints } from "../../lib/geo/points.ts";
import { matchesFilter, parseSiteSpec, SiteSpecError } from "../../lib/report/site_spec.ts";
import { searchPlaces } from "../../lib/geo/gazetteer.ts";
import { parseUkIntensity } from "../../lib/geo/live/uk.ts";
import { parseElectricityMapsLatest } from "../../lib/geo/live/electricitymaps.ts";
import { parseCaisoFuelSource } from "../../lib/geo/live/caiso.ts";
import { LiveIntensityError } from "../../lib/geo/live/reading.ts";
import { parseDecimal } from "../../lib/decimal.ts";
import { parseUtilization } from "../../lib/cli/flag_values.ts";
import { CliError } from "../../lib/cli/errors.ts";
import { InvalidArgumentError } from "@commander-js/extra-typings";

const COUNT = 3_000;

Deno.test("fuzz: points files keep every coordinate within range", async () => {
  await fuzz({
    seed: 1240,
    count: COUNT,
    seeds: ["lat,lon\n40.1149,-88.2249\n# comment\n35.931,-84.31,ORNL\n-33.9,151.2\n"],
    parse: (text) => {
      const { points } = parsePoints(text, "p.csv");
      for (const p of points) {
        ok(Math.abs(p.latitude) <= 90 && Math.abs(p.longitude) <= 180, JSON.stringify(p));
      }
      return points;
    },
    refuses: () => false,
  });
});

Deno.test("fuzz: site specs parse or are refused, and their filters never hang", async () => {
  const spec = await readFixture("appendix_spec.json");
  const paths = [
    "/logs/pong/ppo/lr-0.1/seed-1",
    `/logs/${"a".repeat(5_000)}/x`,
    "C:\\logs\\breakout\\a2c",
  ];
  await fuzz({
    seed: 1241,
    count: 2_000,
    seeds: [
      spec,
      JSON.stringify({
        Evil: { filter: "(([a-z0-9._-]+/?)+)+!nomatch" },
        B: { filter: "(a|a)*b$" },
      }),
    ],
    parse: (text) => {
      const parsed = parseSiteSpec(text, "spec.json");
      for (const set of parsed.sets) for (const path of paths) matchesFilter(set.filter, path);
      return parsed.sets.length;
    },
    refuses: oneOf(SiteSpecError),
  });
});

Deno.test("fuzz: gazetteer queries give places with real coordinates", async () => {
  await fuzz({
    seed: 1242,
    count: 150,
    seeds: ["Stanford, California", "Paris Texas", "München", "Cambridge, UK", "NCSA"],
    parse: (query) =>
      searchPlaces(query, 3).map((p) => {
        ok(Math.abs(p.latitude) <= 90 && Math.abs(p.longitude) <= 180, JSON.stringify(p));
        return { latitude: p.latitude, longitude: p.longitude, population: p.population };
      }),
    refuses: oneOf(RangeError),
  });
});

Deno.test("fuzz: live intensity answers", async () => {
  const answer = (reading: { gramsPerKwh: number; at: string }) => {
    ok(Number.isFinite(Date.parse(reading.at)), reading.at);
    return { gramsPerKwh: reading.gramsPerKwh };
  };
  await fuzz({
    seed: 1243,
    count: COUNT,
    seeds: [
      '{"data":[{"from":"2024-03-01T12:00Z","to":"2024-03-01T12:30Z","intensity":{"forecast":187,"actual":180,"index":"moderate"}}]}',
    ],
    parse: (text) => answer(parseUkIntensity(text)),
    refuses: oneOf(LiveIntensityError),
  });
  await fuzz({
    seed: 1244,
    count: COUNT,
    seeds: [
      '{"zone":"DE","carbonIntensity":350,"datetime":"2024-03-01T12:00:00.000Z","updatedAt":"2024-03-01T12:05:00.000Z"}',
    ],
    parse: (text) => answer(parseElectricityMapsLatest(text, "DE")),
    refuses: oneOf(LiveIntensityError),
  });
  await fuzz({
    seed: 1245,
    count: COUNT,
    seeds: [
      "Time,Solar,Wind,Geothermal,Biomass,Biogas,Small hydro,Coal,Nuclear,Natural Gas,Large Hydro,Batteries,Imports,Other\n00:00,0,1500,800,300,200,150,0,2200,8000,1500,-200,5000,10\n00:05,0,1480,800,300,200,150,0,2200,8100,1500,-150,4900,10\n",
    ],
    parse: (text) => answer(parseCaisoFuelSource(text, "2024-03-01", 300)),
    refuses: oneOf(LiveIntensityError),
  });
});

Deno.test("fuzz: numeric flags take decimals or are usage errors", async () => {
  const seeds = ["1", "0.5", "16", "3600", "70%", " 2 ", "0.05"];
  await fuzz({
    seed: 1246,
    count: COUNT,
    seeds,
    parse: (text) => {
      const value = parseDecimal(text);
      if (value !== undefined) equal(/^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(text), true, text);
      return { value: value ?? 0 };
    },
    refuses: () => false,
  });
  await fuzz({
    seed: 1247,
    count: COUNT,
    seeds,
    parse: (text) => ({ intervalMs: parseRunArgv(["--interval", text, "--", "x"]).intervalMs }),
    refuses: oneOf(CliError),
  });
  await fuzz({
    seed: 1248,
    count: COUNT,
    seeds,
    parse: (text) => {
      const fraction = parseUtilization(text);
      ok(fraction > 0 && fraction <= 1, String(fraction));
      return { fraction };
    },
    refuses: oneOf(InvalidArgumentError),
  });
});

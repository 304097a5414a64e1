import { equal, match, ok, rejects } from "node:assert/strict";
import type { ResolveDeps } from "../../lib/geo/resolve.ts";
import { parseRunArgv } from "../helpers/run_argv.ts";
import { ExitCode, RunError } from "../../lib/run/errors.ts";
import { startLiveIntensity } from "../../lib/run/live_intensity.ts";
import { resolveRunRegion } from "../../lib/run/region.ts";
import { carbonSummaryLines } from "../../lib/run/report.ts";

const fakeGeo: ResolveDeps = {
  zoneAt: (lat) => (lat > 0 ? { zone: "DE", country: "DEU" } : undefined),
  zoneIds: () => ["DE"],
  searchPlaces: () => [],
  geocodeOnline: () => Promise.resolve([]),
};

const options = (argv: string[]) => parseRunArgv([...argv, "--", "true"]);
const envOf = (vars: Record<string, string> = {}) => (name: string) => vars[name];

Deno.test("no region given: impact.json says unknown and the summary says so", async () => {
  const { region, notes } = await resolveRunRegion(options([]), envOf());
  equal(region.source, "unknown");
  equal(notes.length, 0);
  const lines = carbonSummaryLines(
    { totals: { attributedEnergyJoules: 3600 }, samples: 1 } as never,
    region,
  );
  match(lines.join("\n"), /carbon: region unknown/);
});

Deno.test("a known zone records its yearly intensity and gives kg CO2e with PUE and intensity", async () => {
  const { region } = await resolveRunRegion(options(["--lat", "50", "--lon", "10"]), envOf(), {
    resolveDeps: () => Promise.resolve(fakeGeo),
  });
  equal(region.zone, "DE");
  equal(region.source, "--lat/--lon");
  const grams = region.intensity!.gramsPerKwh;
  ok(grams > 0);
  const [line] = carbonSummaryLines(
    { totals: { attributedEnergyJoules: 3_600_000 }, samples: 1 } as never,
    region,
    undefined,
    "1.2",
  );
  // 1 kWh x PUE 1.2 x the zone's intensity, in g below 1 kg, three significant figures.
  const gramsCO2e = 1 * 1.2 * grams;
  const carbon = gramsCO2e < 1000
    ? `${gramsCO2e.toPrecision(3)} g`
    : `${(gramsCO2e / 1000).toPrecision(3)} kg`;
  match(line!, new RegExp(`carbon: ${carbon.replace(".", "\\.")} CO2e = 1\\.20 kWh`));
  match(line!, /PUE 1\.2, OVERRIDE_PUE/);
  match(line!, /zone DE from --lat\/--lon/);
});

Deno.test("an unreachable IP locator leaves the region unknown and says why; the run goes on", async () => {
  const { region, notes } = await resolveRunRegion(
    options(["--locate-by-ip", "http://127.0.0.1:9/"]),
    envOf(),
    {
      resolveDeps: () => Promise.resolve(fakeGeo),
      fetch: () => Promise.reject(new TypeError("connection refused")),
    },
  );
  equal(region.source, "unknown");
  match(region.error ?? "", /connection refused/);
  match(notes.join("\n"), /could not locate the run/);
});

Deno.test("--live-intensity electricitymaps without a token or zone is a usage error", async () => {
  const deps = (vars: Record<string, string> = {}) => ({
    env: envOf(vars),
    now: () => 0,
    note: () => {},
  });
  await rejects(
    () =>
      startLiveIntensity({ provider: "electricitymaps" }, { zone: "DE", source: "--zone" }, deps()),
    (e) =>
      e instanceof RunError && e.exitCode === ExitCode.usage &&
      /ELECTRICITYMAPS_TOKEN/.test(e.message),
  );
  await rejects(
    () =>
      startLiveIntensity(
        { provider: "electricitymaps" },
        { source: "unknown" },
        deps({ ELECTRICITYMAPS_TOKEN: "t" }),
      ),
    (e) => e instanceof RunError && /needs the run's zone/.test(e.message),
  );
});

Deno.test("an unknown country is an input error listing the nearest codes", async () => {
  await rejects(
    () =>
      resolveRunRegion(options(["--country", "DEX"]), envOf(), {
        resolveDeps: () => Promise.resolve(fakeGeo),
      }),
    (e) =>
      e instanceof RunError && e.exitCode === ExitCode.input &&
      /Unknown country code "DEX"; nearest valid codes: .*DEU/.test(e.message),
  );
});

Deno.test("an ambiguous --address says so and which --pick chooses another; --pick chooses", async () => {
  const { region, warnings } = await resolveRunRegion(
    options(["--address", "Springfield"]),
    envOf(),
  );
  match(region.place ?? "", /^Springfield, Missouri/);
  // A warning, which --quiet does not silence.
  const text = warnings.join("\n");
  match(text, /"Springfield" is ambiguous; using Springfield, Missouri.*\n.*--pick 2: /);
  const illinois = /--pick (\d+): Springfield, Illinois, [^(]*\(US-MIDW-MISO\)/.exec(text);
  ok(illinois, text);
  const picked = await resolveRunRegion(
    options(["--address", "Springfield", "--pick", illinois[1]!]),
    envOf(),
  );
  match(picked.region.place ?? "", /^Springfield, Illinois/);
  equal(picked.region.zone, "US-MIDW-MISO");
  equal(picked.warnings.length, 0);
  // A qualified address is not ambiguous.
  equal(
    (await resolveRunRegion(options(["--address", "Springfield, Illinois"]), envOf())).warnings
      .length,
    0,
  );
  for (
    const argv of [["--address", "Springfield", "--pick", "99"], ["--zone", "DE", "--pick", "2"]]
  ) {
    await rejects(
      () => resolveRunRegion(options(argv), envOf()),
      (e) => e instanceof RunError && e.exitCode === ExitCode.usage && /--pick/.test(e.message),
    );
  }
});

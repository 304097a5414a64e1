import { equal, match, ok, rejects } from "node:assert/strict";
import { ExitCode, RunError } from "../../lib/run/errors.ts";
import type { RunContext } from "../../lib/run/hooks.ts";
import { parseRunArgv } from "../../lib/run/options.ts";
import { createRegionHooks } from "../../lib/run/region_extension.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import type { ResolveDeps } from "../../lib/geo/resolve.ts";
import { runInfo } from "../helpers/log_records.ts";

function context(argv: string[], env: Record<string, string> = {}) {
  const notes: string[] = [];
  const ctx: RunContext = {
    options: parseRunArgv([...argv, "--", "true"]),
    runtime: { ...denoRuntime, env: (name) => env[name] },
    info: runInfo(),
    note: (text) => notes.push(text),
    sampling: { sensors: [] },
  };
  return { ctx, notes };
}

const fakeGeo: ResolveDeps = {
  zoneAt: (lat) => (lat > 0 ? { zone: "DE", country: "DEU" } : undefined),
  zoneIds: () => ["DE"],
  searchPlaces: () => [],
  geocodeOnline: () => Promise.resolve([]),
};

Deno.test("the region flags parse as run options and --live-intensity is checked", () => {
  const { options } = context(["--zone", "DE", "--live-intensity", "uk", "--lat", "-33.9"]).ctx;
  equal(options.flags.zone, "DE");
  equal(options.flags.liveIntensity, "uk");
  equal(options.flags.lat, "-33.9");
  match(
    String((() => {
      try {
        parseRunArgv(["--live-intensity", "nowhere", "--", "true"]);
      } catch (error) {
        return (error as Error).message;
      }
    })()),
    /Allowed choices are electricitymaps, uk, caiso/,
  );
});

Deno.test("no region given: impact.json says unknown and the summary says so", async () => {
  const hooks = createRegionHooks();
  const { ctx } = context([]);
  await hooks.beforeStart!(ctx);
  equal(ctx.info.region?.source, "unknown");
  const lines = await hooks.summaryLines!(
    { totals: { attributedEnergyJoules: 3600 }, samples: 1 } as never,
    ctx,
  );
  match(lines.join("\n"), /carbon: region unknown/);
});

Deno.test("a known zone records its yearly intensity and gives kg CO2e with PUE and intensity", async () => {
  const hooks = createRegionHooks({ resolveDeps: () => Promise.resolve(fakeGeo) });
  const { ctx } = context(["--lat", "50", "--lon", "10"], { OVERRIDE_PUE: "1.2" });
  await hooks.beforeStart!(ctx);
  const region = ctx.info.region!;
  equal(region.zone, "DE");
  equal(region.source, "--lat/--lon");
  const grams = region.intensity!.gramsPerKwh;
  ok(grams > 0);
  const [line] = await hooks.summaryLines!(
    { totals: { attributedEnergyJoules: 3_600_000 }, samples: 1 } as never,
    ctx,
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
  const hooks = createRegionHooks({
    resolveDeps: () => Promise.resolve(fakeGeo),
    fetch: () => Promise.reject(new TypeError("connection refused")),
  });
  const { ctx, notes } = context(["--locate-by-ip", "http://127.0.0.1:9/"]);
  await hooks.beforeStart!(ctx);
  equal(ctx.info.region?.source, "unknown");
  match(ctx.info.region?.error ?? "", /connection refused/);
  match(notes.join("\n"), /could not locate the run/);
});

Deno.test("--live-intensity electricitymaps without a token or zone is a usage error", async () => {
  const hooks = createRegionHooks({ resolveDeps: () => Promise.resolve(fakeGeo) });
  const noToken = context(["--zone", "DE", "--live-intensity", "electricitymaps"]).ctx;
  await rejects(
    () => Promise.resolve(hooks.beforeStart!(noToken)),
    (e) =>
      e instanceof RunError && e.exitCode === ExitCode.usage &&
      /ELECTRICITYMAPS_TOKEN/.test(e.message),
  );
  const noZone =
    context(["--live-intensity", "electricitymaps"], { ELECTRICITYMAPS_TOKEN: "t" }).ctx;
  await rejects(
    () => Promise.resolve(hooks.beforeStart!(noZone)),
    (e) => e instanceof RunError && /needs the run's zone/.test(e.message),
  );
});

Deno.test("an unknown country is an input error listing the nearest codes", async () => {
  const hooks = createRegionHooks({ resolveDeps: () => Promise.resolve(fakeGeo) });
  await rejects(
    () => Promise.resolve(hooks.beforeStart!(context(["--country", "DEX"]).ctx)),
    (e) =>
      e instanceof RunError && e.exitCode === ExitCode.input &&
      /Unknown country code "DEX"; nearest valid codes: .*DEU/.test(e.message),
  );
});

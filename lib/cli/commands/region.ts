/**
 * `impact region`: the grid zone and yearly carbon intensity of a place, an address, a zone,
 * or the cleanest / dirtiest zones.
 *
 * @module
 */
import type { CliContext, RegisterCommand } from "../context.ts";
import { parseYearOption } from "../flag_values.ts";
import { CliError, fileCliError, inputCliError } from "../errors.ts";
import { ExitCode } from "../../run/errors.ts";
import type { Place, ZoneIntensity } from "../../geo/types.ts";
import type { AlternativePlace, ResolveDeps } from "../../geo/resolve.ts";
import { closestCandidatesClause, describePlace } from "../../geo/address_candidates.ts";
import { resolve as resolvePath } from "node:path";
import { parseWholeNumber } from "../../decimal.ts";
import { addressLengthProblem } from "../../geo/address_length.ts";

/** Where the command gets its geo lookups; tests replace `load`. */
export const regionCommandDeps: { load: () => Promise<ResolveDeps> } = {
  load: async () => (await import("../../geo/resolve.ts")).defaultResolveDeps(),
};

interface RegionOptions {
  address?: string;
  lat?: string;
  lon?: string;
  zone?: string;
  top?: string;
  bottom?: string;
  online?: boolean;
  nominatimUrl?: string;
  year?: string;
  json?: boolean;
  pick?: string;
  points?: string;
}

/** The `--json` shape of one answer. */
interface RegionJson {
  zone: string;
  country: string;
  intensityGramsPerKwh: number;
  year: number;
  source: string;
  renewableShare?: number;
  fallbackFrom?: string;
  note?: string;
  alsoServedBy?: string[];
  place?: string;
  alternatives?: AlternativePlace[];
}

/** What the lookup found besides the zone's figures. */
interface Found {
  place?: string;
  alsoServedBy?: string[];
  alternatives?: AlternativePlace[];
}

function toJson(row: ZoneIntensity, found: Found = {}): RegionJson {
  const out: RegionJson = {
    zone: row.zone,
    country: row.country,
    intensityGramsPerKwh: row.intensityGramsPerKwh,
    year: row.year,
    source: row.source,
  };
  if (row.renewableShare !== undefined) out.renewableShare = row.renewableShare;
  if (row.fallbackFrom !== undefined) out.fallbackFrom = row.fallbackFrom;
  if (row.note !== undefined) out.note = row.note;
  if (found.alsoServedBy?.length) out.alsoServedBy = found.alsoServedBy;
  if (found.place !== undefined) out.place = found.place;
  if (found.alternatives?.length) out.alternatives = found.alternatives;
  return out;
}

function describe(row: ZoneIntensity, found: Found = {}): string {
  const lines = [];
  if (found.place) lines.push(`Place:      ${found.place}`);
  lines.push(`Zone:       ${row.zone} (${row.country})`);
  if (found.alsoServedBy?.length) {
    lines.push(`            also served by ${found.alsoServedBy.join(", ")}`);
  }
  if (row.fallbackFrom) {
    lines.push(
      `            ${row.fallbackFrom} has no figures; ${row.note ?? "its country's are used"}`,
    );
  }
  lines.push(`Intensity:  ${row.intensityGramsPerKwh} gCO2e/kWh (${row.year})`);
  if (row.renewableShare !== undefined) {
    lines.push(`Renewables: ${(row.renewableShare * 100).toFixed(0)}%`);
  }
  lines.push(`Source:     ${row.source}, ${row.licence}`);
  return lines.join("\n") + "\n";
}

function positiveInt(text: string, flag: string): number {
  const n = parseWholeNumber(text);
  if (n === undefined || n < 1) {
    throw new CliError(
      `${flag} must be a positive integer, got ${JSON.stringify(text)}`,
      ExitCode.usage,
    );
  }
  return n;
}

async function run(options: RegionOptions, ctx: CliContext): Promise<void> {
  const tooLong = options.address === undefined ? undefined : addressLengthProblem(options.address);
  if (tooLong) throw new CliError(tooLong, ExitCode.usage);
  const intensity = await import("../../geo/intensity.ts");
  const resolve = await import("../../geo/resolve.ts");
  const year = parseYearOption(options.year, intensity.INTENSITY_YEARS);
  const chosen = ["address", "lat", "zone", "top", "bottom", "points"].filter((k) =>
    options[k as keyof RegionOptions] !== undefined
  );
  if (chosen.length !== 1) {
    throw new CliError(
      "Give exactly one of --address, --lat/--lon, --zone, --top, --bottom, --points",
      ExitCode.usage,
    );
  }
  if (options.pick !== undefined && options.address === undefined) {
    throw new CliError("--pick chooses among the places --address finds", ExitCode.usage);
  }
  if (options.points !== undefined) {
    await runPoints(options.points, year, ctx);
    return;
  }
  if (options.top !== undefined || options.bottom !== undefined) {
    const n = positiveInt(options.top ?? options.bottom!, options.top ? "--top" : "--bottom");
    const all = intensity.listIntensities(year ?? intensity.LATEST_INTENSITY_YEAR)
      .sort((a, b) =>
        a.intensityGramsPerKwh - b.intensityGramsPerKwh || a.zone.localeCompare(b.zone)
      );
    const rows = options.top ? all.slice(0, n) : all.slice(-n).reverse();
    if (options.json) {
      ctx.stdout(JSON.stringify(rows.map((r) => toJson(r)), null, 2) + "\n");
      return;
    }
    ctx.stdout(
      `${options.top ? "Cleanest" : "Most carbon-intensive"} ${rows.length} zones (${
        rows[0]?.year
      }, gCO2e/kWh):\n`,
    );
    for (const r of rows) {
      const renewables = r.renewableShare === undefined
        ? ""
        : `  ${(r.renewableShare * 100).toFixed(0)}% renewable`;
      ctx.stdout(
        `  ${r.zone.padEnd(14)} ${String(r.intensityGramsPerKwh).padStart(5)}${renewables}\n`,
      );
    }
    ctx.stdout(`Source: ${rows[0]?.source}, ${rows[0]?.licence}\n`);
    return;
  }

  let zone: string | undefined;
  const found: Found = {};
  let candidates: Place[] = [];
  try {
    if (options.zone !== undefined) {
      zone = resolve.checkZone(options.zone, { zoneIds: () => intensity.intensityZoneIds() });
    } else if (options.lat !== undefined || options.lon !== undefined) {
      const parsed = resolve.parseRegionFlags(
        { lat: options.lat, lon: options.lon } as never,
        () => undefined,
      );
      const match = (await regionCommandDeps.load()).zoneAt(parsed.latitude!, parsed.longitude!);
      if (!match) {
        throw new CliError(
          `No grid zone at ${parsed.latitude}, ${parsed.longitude} (open ocean or outside every zone)`,
          ExitCode.input,
        );
      }
      zone = match.zone;
      if (match.alsoServedBy) found.alsoServedBy = match.alsoServedBy;
    } else {
      const deps = await regionCommandDeps.load();
      const address = options.address!;
      if (options.online) {
        try {
          candidates = await deps.geocodeOnline(address, {
            ...(options.nominatimUrl ? { baseUrl: options.nominatimUrl } : {}),
          });
        } catch (error) {
          throw new CliError(
            `Online geocoding failed: ${(error as Error).message}`,
            ExitCode.network,
          );
        }
      } else {
        candidates = deps.searchPlaces(address, 5);
      }
      const first = candidates[0];
      if (!first) {
        throw new CliError(
          `No place found for ${JSON.stringify(address)}` +
            closestCandidatesClause(address, deps.searchPlaces),
          ExitCode.input,
        );
      }
      const pick = options.pick === undefined ? undefined : resolve.pickNumber(options.pick);
      const { place: chosenPlace, alternatives } = resolve.choosePlace(
        address,
        candidates,
        pick,
        deps.zoneAt,
      );
      found.place = describePlace(chosenPlace);
      if (alternatives.length > 0) {
        found.alternatives = alternatives;
        if (pick === undefined) {
          ctx.stderr(resolve.ambiguityNote(address, found.place, alternatives) + "\n");
        }
      }
      const match = deps.zoneAt(chosenPlace.latitude, chosenPlace.longitude);
      // A coastal city's point can fall just outside the simplified shapes: use its country.
      zone = match?.zone ?? resolve.countryZone(chosenPlace.country).zone;
      if (match?.alsoServedBy) found.alsoServedBy = match.alsoServedBy;
    }
  } catch (error) {
    throw inputCliError(error);
  }
  const row = intensity.intensityFor(zone, year);
  if (!row) {
    throw new CliError(
      `No intensity figures for zone ${zone}${year ? ` in ${year}` : ""}`,
      ExitCode.input,
    );
  }
  if (options.json) {
    ctx.stdout(JSON.stringify(toJson(row, found), null, 2) + "\n");
    return;
  }
  ctx.stdout(describe(row, found));
  if (candidates.length > 1 && !found.alternatives) {
    ctx.stdout(`Other matches (give a fuller address to choose):\n`);
    for (const c of candidates.slice(1)) ctx.stdout(`  ${describePlace(c)}\n`);
  }
}

/** `--points file.csv`: one JSON line per point, bad lines named on stderr and skipped. */
async function runPoints(file: string, year: number | undefined, ctx: CliContext) {
  const { parsePoints } = await import("../../geo/points.ts");
  const intensity = await import("../../geo/intensity.ts");
  let text: string;
  try {
    text = await ctx.runtime.readTextFile(resolvePath(ctx.cwd, file));
  } catch (error) {
    throw fileCliError(error, file, "read", "input");
  }
  const { points, errors } = parsePoints(text, file);
  for (const e of errors) ctx.stderr(`${e}\n`);
  if (points.length === 0) {
    throw new CliError(`--points ${file}: no latitude,longitude lines`, ExitCode.input);
  }
  // The shapes and their index load once, on the first lookup.
  const deps = await regionCommandDeps.load();
  for (const p of points) {
    const match = deps.zoneAt(p.latitude, p.longitude);
    const row = match ? intensity.intensityFor(match.zone, year) : undefined;
    ctx.stdout(
      JSON.stringify({
        line: p.line,
        latitude: p.latitude,
        longitude: p.longitude,
        ...(row
          ? toJson(row, match)
          : { zone: match?.zone ?? null, country: match?.country ?? null }),
      }) + "\n",
    );
  }
}

/** Registers `impact region`. */
export const register: RegisterCommand = (program, ctx) => {
  program
    .command("region")
    .description("Show the grid zone and yearly carbon intensity of a place, zone or ranking")
    .option("--address <text>", "a place name, geocoded offline (or online with --online)")
    .option("--lat <degrees>", "latitude (with --lon)")
    .option("--lon <degrees>", "longitude (with --lat)")
    .option("--zone <id>", "an Electricity Maps zone id, e.g. DE or US-CAL-CISO")
    .option("--top <n>", "the n zones with the lowest intensity")
    .option("--bottom <n>", "the n zones with the highest intensity")
    .option("--online", "geocode --address with Nominatim (network)")
    .option("--nominatim-url <url>", "the Nominatim server for --online")
    .option("--pick <n>", "choose the n-th place an ambiguous --address finds")
    .option("--points <file>", "a CSV of latitude,longitude lines: one JSON line per point")
    .option("--year <year>", "the year of the figures (latest by default)")
    .option("--json", "print JSON")
    .action((options) => run(options, ctx));
};

/**
 * The run's first step: where its electricity came from. The region flags (`--zone`,
 * `--country`, `--lat/--lon`, `--address` with `--online` and `--pick`, `--cloud`,
 * `--locate-by-ip`) or `$IMPACT_ZONE` are resolved before the child starts (a bad zone, country
 * or address stops the run there) and become the log's {@link RegionInfo}, with the yearly
 * intensity it implies. An ambiguous address says which place it took, as `impact region` does.
 *
 * The geo modules load here, by literal specifiers so that `deno compile` and `deno bundle`
 * embed them, and only when a region was given.
 *
 * @module
 */
import type { ResolveDeps } from "../geo/resolve.ts";
import type { ResolvedRegion } from "../types.ts";
import type { ZoneIntensity } from "../geo/types.ts";
import type { RegionInfo } from "../log/schema.ts";
import { ExitCode, RunError } from "./errors.ts";
import type { RunOptions } from "./options.ts";

/** What the region step loads and calls; tests pass fakes. */
export interface RegionStepDeps {
  /** The geo lookups for resolution (default: the embedded zones and gazetteer). */
  resolveDeps?: () => Promise<ResolveDeps>;
  /** fetch for the online geocoder and IP geolocation. */
  fetch?: typeof fetch;
}

/** The region step's result. */
export interface RegionPlan {
  /** impact.json's `region`. */
  region: RegionInfo;
  /** Lines for the user (a geocoder that did not answer). */
  notes: string[];
  /** Lines the user sees even with `--quiet`: which place an ambiguous address was taken for. */
  warnings: string[];
}

/**
 * The log's region: the resolved one and the yearly intensity it implies.
 *
 * @param resolved Where the electricity came from.
 * @param yearly The zone's (or country's) yearly intensity, if the data has one.
 * @returns impact.json's `region`.
 * @example A zone and its yearly intensity
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { intensityFor } from "../geo/intensity.ts";
 * import { regionInfo } from "./region.ts";
 *
 * const region = regionInfo({ zone: "DE", country: "DEU", source: "--zone" }, intensityFor("DE"));
 * equal(region.intensity?.zone, "DE");
 * equal(region.source, "--zone");
 * ```
 */
export function regionInfo(resolved: ResolvedRegion, yearly?: ZoneIntensity): RegionInfo {
  const region: RegionInfo = { ...resolved };
  if (yearly) {
    region.intensity = {
      gramsPerKwh: yearly.intensityGramsPerKwh,
      source: yearly.source,
      year: yearly.year,
      zone: yearly.zone,
      ...(yearly.fallbackFrom ? { fallbackFrom: yearly.fallbackFrom } : {}),
    };
  }
  return region;
}

/**
 * Resolves the run's region from its options and environment.
 *
 * @param options The run's region flags and `--live-intensity` (which needs the region too).
 * @param env Reads `IMPACT_ZONE`, `IMPACT_IP_LOCATOR` and `IMPACT_NOMINATIM_URL`.
 * @param deps Fakes for tests; the real modules by default.
 * @returns The region (`{ source: "unknown" }` when none was given), notes and warnings.
 * @throws {RunError} A usage or input error for a region flag that cannot be used.
 */
export async function resolveRunRegion(
  options: Pick<RunOptions, "region" | "live">,
  env: (name: string) => string | undefined,
  deps: RegionStepDeps = {},
): Promise<RegionPlan> {
  const { online: _online, ...flags } = options.region;
  // `--online` alone names no place.
  const given = Object.values(flags).some((value) => value !== undefined && value !== false) ||
    Boolean(env("IMPACT_ZONE"));
  if (!given && !options.live) return { region: { source: "unknown" }, notes: [], warnings: [] };
  const [resolve, intensity] = await Promise.all([
    import("../geo/resolve.ts"),
    import("../geo/intensity.ts"),
  ]);
  let resolved: ResolvedRegion;
  const notes: string[] = [];
  const warnings: string[] = [];
  try {
    const request = resolve.parseRegionFlags(options.region, env);
    if (request.online && env("IMPACT_NOMINATIM_URL")) {
      request.online.baseUrl = env("IMPACT_NOMINATIM_URL")!;
    }
    if (request.online && deps.fetch) request.online.fetch = deps.fetch;
    if (request.locateByIp && deps.fetch) request.locateByIp.fetch = deps.fetch;
    const { alternatives, ...region } = await resolve.resolveRegion(
      request,
      deps.resolveDeps ? await deps.resolveDeps() : undefined,
    );
    resolved = region;
    // As `impact region` does: an address naming several places says which was taken.
    if (alternatives && request.pick === undefined) {
      warnings.push(resolve.ambiguityNote(request.address!, region.place ?? "", alternatives));
    }
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    await throwIfUnusable(error, flags.address);
    // A geocoder or IP locator that cannot be reached: the job still runs, region unknown.
    notes.push(`could not locate the run (${error.message}); its region is unknown`);
    return { region: { source: "unknown", error: error.message }, notes, warnings };
  }
  const yearly = resolved.zone
    ? intensity.intensityFor(resolved.zone)
    : resolved.country
    ? intensity.intensityForCountry(resolved.country)
    : undefined;
  return { region: regionInfo(resolved, yearly), notes, warnings };
}

/** A region flag that cannot be used stops the run before the child starts. */
async function throwIfUnusable(error: Error, address: string | undefined): Promise<void> {
  if (error.name !== "RegionInputError") return;
  const suggestions = (error as { suggestions?: string[] }).suggestions ?? [];
  if (address !== undefined && suggestions.length === 0 && /^No place found/.test(error.message)) {
    const [{ searchPlaces }, { closestCandidatesClause }] = await Promise.all([
      import("../geo/gazetteer.ts"),
      import("../geo/address_candidates.ts"),
    ]);
    throw new RunError(
      `${error.message}${
        closestCandidatesClause(address, searchPlaces)
      }; the command was not started`,
      ExitCode.input,
      { cause: error },
    );
  }
  const usageError = (error as { usage?: boolean }).usage === true;
  throw new RunError(
    `${error.message}; the command was not started`,
    usageError ? ExitCode.usage : ExitCode.input,
    { cause: error },
  );
}

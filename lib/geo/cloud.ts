/**
 * Cloud provider regions (AWS, GCP, Azure) with their grid zone and provider PUE, from
 * data/cloud_regions.json (see scripts/data/gen_cloud.ts for the sources).
 *
 * @module
 */
import table from "../../data/cloud_regions.json" with { type: "json" };
import { nearest } from "./suggest.ts";
import type { CloudRegion } from "./types.ts";

/** The providers with region tables. */
export const CLOUD_PROVIDERS = ["aws", "gcp", "azure"] as const;
/** One of {@link CLOUD_PROVIDERS}. */
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];

const regions = table.regions as CloudRegion[];

/** A provider or region the table does not know; carries the nearest valid ones. */
export class UnknownCloudRegionError extends Error {
  /**
   * @param what What was asked for (`aws:eu-west-9`, `ibm`).
   * @param suggestions The nearest valid ids.
   */
  constructor(readonly what: string, readonly suggestions: string[]) {
    super(
      `Unknown cloud region ${JSON.stringify(what)}` +
        (suggestions.length ? `; nearest valid: ${suggestions.join(", ")}` : ""),
    );
    this.name = "UnknownCloudRegionError";
  }
}

/**
 * Whether a string names a provider with a region table.
 *
 * @param name e.g. `aws`.
 * @returns True for `aws`, `gcp`, `azure` (any case).
 */
export function isCloudProvider(name: string): name is CloudProvider {
  return (CLOUD_PROVIDERS as readonly string[]).includes(name.toLowerCase());
}

/**
 * Every region of a provider.
 *
 * @param provider `aws`, `gcp` or `azure`.
 * @returns The regions, in region id order.
 * @throws UnknownCloudRegionError for another provider.
 */
export function cloudRegions(provider: string): CloudRegion[] {
  const p = provider.toLowerCase();
  if (!isCloudProvider(p)) {
    throw new UnknownCloudRegionError(provider, nearest(p, CLOUD_PROVIDERS, 3));
  }
  return regions.filter((r) => r.provider === p);
}

/**
 * One region of a provider.
 *
 * @param provider `aws`, `gcp` or `azure`.
 * @param region The provider's region id (`eu-west-1`, `europe-west4`, `westeurope`).
 * @returns The region.
 * @throws UnknownCloudRegionError listing the nearest region ids.
 */
export function cloudRegion(provider: string, region: string): CloudRegion {
  const all = cloudRegions(provider);
  const id = region.trim().toLowerCase();
  const found = all.find((r) => r.region === id);
  if (found) return found;
  throw new UnknownCloudRegionError(
    `${provider.toLowerCase()}:${region}`,
    nearest(id, all.map((r) => r.region), 5),
  );
}

/**
 * Parses `provider:region` (as `--cloud aws:eu-west-1` gives it).
 *
 * @param spec e.g. `aws:eu-west-1`, or a bare region id one provider alone has.
 * @returns The region.
 * @throws UnknownCloudRegionError for an unknown provider or region, or a missing colon.
 */
export function parseCloudSpec(spec: string): CloudRegion {
  const colon = spec.indexOf(":");
  if (colon < 0) {
    // A bare region id is accepted when exactly one provider has it (AWS and GCP ids differ).
    const id = spec.trim().toLowerCase();
    const matches = regions.filter((r) => r.region === id);
    if (matches.length === 1) return matches[0]!;
    const all = regions.map((r) => `${r.provider}:${r.region}`);
    throw new UnknownCloudRegionError(spec, nearest(id, all, 5));
  }
  return cloudRegion(spec.slice(0, colon), spec.slice(colon + 1));
}

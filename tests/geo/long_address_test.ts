/**
 * Issue 12, item 8: a 20,000-character `--address` took 6 s to be refused; it is now refused
 * before any geocoder is asked (offline or online), with the length and the limit.
 *
 * @module
 */
import { equal, match, rejects, throws } from "node:assert/strict";
import { type ResolveDeps, resolveRegion } from "../../lib/geo/resolve.ts";
import { searchPlaces } from "../../lib/geo/gazetteer.ts";
import { MAX_ADDRESS_CHARS } from "../../lib/geo/address_length.ts";
import { runCli } from "../../lib/cli/app.ts";
import { regionCommandDeps } from "../../lib/cli/commands/region.ts";
import { captureContext } from "../helpers/context.ts";

const LONG = "a b ".repeat(5_000);
const REFUSED = /The address is 20000 characters long; give at most 200/;

/** Geocoders that fail the test if they are asked at all. */
const untouchable: ResolveDeps = {
  zoneAt: () => {
    throw new Error("zoneAt was called");
  },
  zoneIds: () => [],
  searchPlaces: () => {
    throw new Error("the gazetteer was searched");
  },
  geocodeOnline: () => Promise.reject(new Error("the online geocoder was asked")),
};

Deno.test("resolveRegion refuses an overlong address as a usage error, asking no geocoder", async () => {
  for (const online of [false, true]) {
    await rejects(
      resolveRegion({ address: LONG, ...(online ? { online: {} } : {}) }, untouchable),
      (e: Error & { usage?: boolean }) =>
        e.name === "RegionInputError" && e.usage === true && REFUSED.test(e.message),
    );
  }
  // The limit itself is fine.
  await rejects(
    resolveRegion({ address: "x".repeat(MAX_ADDRESS_CHARS) }, untouchable),
    /the gazetteer was searched/,
  );
});

Deno.test("searchPlaces refuses an overlong query instead of scanning for it", () => {
  throws(
    () => searchPlaces(LONG),
    (e: Error) => e instanceof RangeError && REFUSED.test(e.message),
  );
});

Deno.test("impact region and impact estimate refuse an overlong address with exit 2", async () => {
  const saved = regionCommandDeps.load;
  regionCommandDeps.load = () => Promise.resolve(untouchable);
  try {
    for (const online of [[], ["--online"]]) {
      const ctx = captureContext();
      equal(await runCli(["region", "--address", LONG, ...online], ctx), 2);
      match(ctx.err(), REFUSED);
    }
  } finally {
    regionCommandDeps.load = saved;
  }
  const ctx = captureContext();
  equal(await runCli(["estimate", "--gpu", "A100", "--hours", "1", "--location", LONG], ctx), 2);
  match(ctx.err(), /The address is 19999 characters long/);
});

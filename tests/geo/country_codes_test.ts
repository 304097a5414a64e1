import { equal } from "node:assert/strict";
import { canonicalAlpha3 } from "../../lib/geo/country_codes.ts";
import { searchPlaces } from "../../lib/geo/gazetteer.ts";
import { intensityFor } from "../../lib/geo/intensity.ts";
import { zoneAt, zoneCountry } from "../../lib/geo/zones.ts";

Deno.test("Kosovo has one alpha-3 code (XKX) in shapes, gazetteer and intensity table", () => {
  equal(canonicalAlpha3("XKK"), "XKX");
  equal(canonicalAlpha3("DEU"), "DEU");
  equal(zoneAt(42.66, 21.17)?.country, "XKX");
  equal(zoneCountry("XK"), "XKX");
  const [pristina] = searchPlaces("Pristina, Kosovo", 1);
  equal(pristina?.country, "XKX");
  equal(intensityFor("XK")?.country, "XKX");
});

import { deepEqual, equal, ok, throws } from "node:assert/strict";
import {
  listSocialCosts,
  SOCIAL_COST_SOURCE,
  socialCostFor,
  UnknownCountryError,
} from "../../lib/geo/social_cost.ts";
import { parseCscc } from "../../scripts/data/gen_social_cost.ts";

Deno.test("socialCostFor gives the country's percentiles in 2005 US$/tCO2", () => {
  deepEqual(socialCostFor("USA"), { iso3: "USA", p16_7: 0.56, p50: 47.82, p83_3: 118.3 });
  deepEqual(socialCostFor("wld"), { iso3: "WLD", p16_7: 176.91, p50: 417.51, p83_3: 805.54 });
  equal(SOCIAL_COST_SOURCE.units, "2005 US$ per tonne CO2");
  ok(SOCIAL_COST_SOURCE.doi.includes("s41558-018-0282-y"));
});

Deno.test("negative social costs are kept, not clipped", () => {
  const russia = socialCostFor("RUS");
  ok(russia.p50 < 0);
  equal(russia.p50, -11.14);
  ok(listSocialCosts().filter((r) => r.p50 < 0).length > 5);
});

Deno.test("a country absent from the dataset falls back to WLD explicitly", () => {
  for (const code of ["SGP", "TWN", "HKG"]) {
    const cost = socialCostFor(code);
    equal(cost.iso3, "WLD");
    equal(cost.fallbackFrom, code);
    equal(cost.p50, 417.51);
  }
});

Deno.test("an unknown code is an error listing the nearest valid ones", () => {
  throws(() => socialCostFor("USX"), (error: unknown) => {
    ok(error instanceof UnknownCountryError);
    ok(error.suggestions.includes("USA"), error.message);
    ok(error.message.includes('"USX"'));
    return true;
  });
  throws(() => socialCostFor("Germany"), UnknownCountryError);
});

Deno.test("the table has 169 countries plus WLD", () => {
  equal(listSocialCosts().length, 170);
});

Deno.test("parseCscc names file, line and field of a bad row", () => {
  const good = "# comment\niso3,p16_7,p50,p83_3\nAAA,-1.5,0,2\n";
  deepEqual(parseCscc(good, "x.csv"), { AAA: [-1.5, 0, 2] });
  throws(() => parseCscc("iso3,p16_7,p50,p83_3\nAAA,1,abc,3\n", "x.csv"), /x\.csv:2: field p50/);
  throws(() => parseCscc("iso3,p16_7,p50,p83_3\nAAA,1,2\n", "x.csv"), /x\.csv:2: expected 4/);
  throws(() => parseCscc("iso3,p16_7,p50,p83_3\nAAA,3,2,1\n", "x.csv"), /not ordered/);
  throws(() => parseCscc("iso,a\n", "x.csv"), /x\.csv:1: expected header/);
  throws(() => parseCscc("iso3,p16_7,p50,p83_3\nAAA,1,2,3\nAAA,1,2,3\n", "x.csv"), /duplicate/);
});

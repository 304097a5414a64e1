import { deepEqual } from "node:assert/strict";
import { socialCostUsd2005 } from "../../lib/accounting/social_cost.ts";

Deno.test("social cost is tonnes times the country's percentiles", () => {
  deepEqual(
    socialCostUsd2005(2500, { iso3: "USA", p16_7: 20, p50: 48, p83_3: 80 }),
    { p16_7: 50, p50: 120, p83_3: 200 },
  );
});

Deno.test("a negative social cost (a country that gains) is kept negative", () => {
  deepEqual(
    socialCostUsd2005(1000, { iso3: "RUS", p16_7: -20, p50: -10, p83_3: -2 }),
    { p16_7: -20, p50: -10, p83_3: -2 },
  );
});

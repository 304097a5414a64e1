import { deepEqual, equal } from "node:assert/strict";
import { carbonGrams, liveIntervals } from "../../lib/accounting/carbon.ts";
import { makeRun } from "../helpers/log_fixtures.ts";

Deno.test("with a yearly intensity only, carbon is energy times intensity", () => {
  const carbon = carbonGrams(2, 300);
  equal(carbon.gramsCO2e, 600);
  equal(carbon.liveEnergyKwh, 0);
  deepEqual(carbon.liveSources, []);
});

Deno.test("live intensities weight each interval's energy by the intensity in force then", () => {
  // 4 intervals of 100 W x 9000 s = 0.25 kWh each at PUE 1 (1 kWh in all).
  const { samples } = makeRun({
    samples: 4,
    intervalSeconds: 9000,
    cpuWatts: 100,
    liveIntensities: [100, 200, 300, 400],
  });
  const live = liveIntervals(samples, 1);
  equal(live.length, 4);
  equal(live[0]?.energyKwh, 0.25);
  const carbon = carbonGrams(1, 999, live);
  // 0.25 x (100 + 200 + 300 + 400) = 250 g; the yearly 999 covers nothing.
  equal(carbon.gramsCO2e, 250);
  deepEqual(carbon.liveSources, ["fixture-live"]);
});

Deno.test("intervals without a live value are charged at the yearly intensity", () => {
  const { samples } = makeRun({
    samples: 4,
    intervalSeconds: 9000,
    cpuWatts: 100,
    liveIntensities: [100, 200],
  });
  // PUE 2: each interval is 0.5 kWh; two live (100, 200), two at 500 g/kWh.
  const carbon = carbonGrams(2, 500, liveIntervals(samples, 2));
  equal(carbon.gramsCO2e, 0.5 * 100 + 0.5 * 200 + 1 * 500);
  equal(carbon.liveEnergyKwh, 1);
});

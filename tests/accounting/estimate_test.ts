import { equal, throws } from "node:assert/strict";
import { estimateFigures } from "../../lib/accounting/estimate.ts";
import type { ZoneIntensity } from "../../lib/geo/types.ts";

const zone: ZoneIntensity = {
  zone: "FR",
  country: "FRA",
  year: 2024,
  intensityGramsPerKwh: 50,
  source: "test table",
  licence: "test",
};

Deno.test("4 GPUs of 400 W for 10 h at 50% with PUE 1.5 is 12 kWh, flagged an estimate", () => {
  const f = estimateFigures({
    gpuWatts: 400,
    gpuCount: 4,
    cpuWatts: 0,
    hours: 10,
    utilization: 0.5,
    pue: 1.5,
    intensity: zone,
  });
  equal(f.estimate, true);
  equal(f.itEnergyKwh, 8);
  equal(f.energyKwh, 12);
  equal(f.kgCO2e, 0.6);
  equal(f.gpuHours, 40);
});

Deno.test("CPU power adds to the GPUs' and bad inputs are refused with their value", () => {
  const f = estimateFigures({
    gpuWatts: 300,
    gpuCount: 1,
    cpuWatts: 200,
    hours: 2,
    utilization: 1,
    pue: 1,
    intensity: zone,
  });
  equal(f.cpuKwh, 0.4);
  equal(f.energyKwh, 1);
  const base = { gpuWatts: 300, gpuCount: 1, cpuWatts: 0, hours: 1, utilization: 1, pue: 1 };
  throws(() => estimateFigures({ ...base, hours: 0, intensity: zone }), /got 0/);
  throws(() => estimateFigures({ ...base, utilization: 1.5, intensity: zone }), /got 1.5/);
  throws(() => estimateFigures({ ...base, pue: 0.8, intensity: zone }), /got 0.8/);
});

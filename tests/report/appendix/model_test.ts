import { deepEqual, equal, ok } from "node:assert/strict";
import { buildModel, displayNames } from "../../../lib/report/appendix/model.ts";
import { resolveMetric } from "../../../lib/report/appendix/metrics.ts";
import { parseSiteSpec } from "../../../lib/report/site_spec.ts";
import { makeLogsFigures, makeRun } from "../../fixtures/appendix_figures.ts";

const runs = [
  makeRun({
    dir: "/l/pong/ppo/small/r1",
    energyKwh: 1,
    hours: 2,
    kgCO2e: 0.5,
    labels: { lr: "0.1" },
  }),
  makeRun({
    dir: "/l/pong/ppo/large/r2",
    energyKwh: 3,
    hours: 1,
    kgCO2e: 1.5,
    labels: { lr: "0.3" },
  }),
  makeRun({ dir: "/l/pong/ppo/small/r3", energyKwh: 2, hours: 4, kgCO2e: 1, labels: { lr: "x" } }),
  makeRun({ dir: "/l/breakout/r4", energyKwh: 10, hours: 1, kgCO2e: 5 }),
];
const spec = parseSiteSpec(JSON.stringify({
  PPO: {
    filter: "pong/ppo",
    executive_summary_variables: ["total_power", "exp_len_hours", "lr", "social_cost_usd", "lrr"],
    child_experiments: { small: { filter: "small" }, large: { filter: "large" } },
    executive_summary_ordering_variable: "total_power",
  },
}));

Deno.test("sets summarise their runs under EIT's names, labels as metrics", () => {
  const model = buildModel(spec, makeLogsFigures(runs), { socialCostUsdPerTonne: 100 });
  const ppo = model.sets[0]!;
  deepEqual(ppo.runs.map((r) => r.name), [
    "pong/ppo/small/r1",
    "pong/ppo/small/r3",
    "pong/ppo/large/r2",
  ]);
  const [energy, hours, lr, social] = ppo.summary;
  equal(energy!.metric.key, "energy_kwh");
  equal(energy!.stats.sum, 6);
  equal(energy!.stats.mean, 2);
  ok(Math.abs(energy!.stats.standardError! - 1 / Math.sqrt(3)) < 1e-12); // sd 1, n 3
  equal(hours!.metric.key, "hours");
  equal(hours!.stats.sum, 7);
  // "x" is not a number: only two runs have an lr value.
  equal(lr!.stats.count, 2);
  ok(Math.abs(lr!.stats.mean! - 0.2) < 1e-12);
  // 3 kg CO2e at US$100 per tonne.
  ok(Math.abs(social!.stats.sum - 0.3) < 1e-12);
  deepEqual(model.unknownMetrics, ["lrr"]);
  deepEqual(model.unmatched.map((r) => r.name), ["breakout/r4"]);
});

Deno.test("child sets split the set's runs and are ordered by the ordering variable", () => {
  const model = buildModel(spec, makeLogsFigures(runs));
  const children = model.sets[0]!.children;
  deepEqual(children.map((c) => c.name), ["small", "large"]);
  equal(children[0]!.summary[0]!.stats.mean, 1.5);
  equal(children[1]!.summary[0]!.stats.mean, 3);
});

Deno.test("every EIT alias resolves to a built-in metric", () => {
  const expected: Record<string, string> = {
    total_power: "energy_kwh",
    exp_len_hours: "hours",
    cpu_hours: "cpu_hours",
    gpu_hours: "gpu_hours",
    estimated_carbon_impact_kg: "kg_co2e",
    kw_hr_cpu: "cpu_kwh",
    kw_hr_gpu: "gpu_kwh",
  };
  for (const [alias, key] of Object.entries(expected)) equal(resolveMetric(alias).key, key);
  equal(resolveMetric("kw_hr_gpu").value(runs[0]!, {}), 0.5);
});

Deno.test("run names are relative to the runs' common folder", () => {
  deepEqual(displayNames(["/a/b/x", "/a/b/y/z"]), ["x", "y/z"]);
  deepEqual(displayNames(["/a/b/x/"]), ["x"]);
});

Deno.test("an anchored filter matches the path relative to the runs' common folder", () => {
  const anchored = parseSiteSpec(JSON.stringify({ Pong: { filter: "^pong/" } }));
  const model = buildModel(anchored, makeLogsFigures(runs));
  equal(model.sets[0]!.runs.length, 3);
});

Deno.test("page names fold accents instead of splitting the word at them", () => {
  const named = [
    makeRun({ dir: "/l/Zürich/run", energyKwh: 1, hours: 1, kgCO2e: 0.1 }),
    makeRun({ dir: "/l/Besançon/run", energyKwh: 1, hours: 1, kgCO2e: 0.1 }),
  ];
  const model = buildModel(
    parseSiteSpec(JSON.stringify({ "Ålesund": { filter: "run" } })),
    makeLogsFigures(named),
  );
  deepEqual(model.runs.map((r) => r.slug), ["zurich-run", "besancon-run"]);
  deepEqual(model.sets.map((s) => s.slug), ["alesund"]);
});

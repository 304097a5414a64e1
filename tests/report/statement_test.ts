import { deepEqual, equal, match, ok } from "node:assert/strict";
import { readLogs, type ReadLogsOptions } from "../../lib/accounting/read_logs.ts";
import {
  escapeLatex,
  formatUsd,
  renderStatement,
  statementData,
} from "../../lib/report/statement.ts";
import type { SocialCost, ZoneIntensity } from "../../lib/geo/types.ts";
import { type FixtureRun, gapRuns, writeLogSet } from "../helpers/log_fixtures.ts";
import { tempDir } from "../helpers/temp_dir.ts";
import { testLogAccess } from "../helpers/log_access.ts";

const FR: ZoneIntensity = {
  zone: "FR",
  country: "FRA",
  year: 2024,
  intensityGramsPerKwh: 50,
  source: "Test maps & Ember_2024 (100% made up)",
  licence: "test",
};
const DE: ZoneIntensity = { ...FR, zone: "DE", country: "DEU", intensityGramsPerKwh: 350 };
const WORLD: ZoneIntensity = { ...FR, zone: "WORLD", country: "WLD", intensityGramsPerKwh: 480 };
const FRA_COST: SocialCost = { iso3: "FRA", p16_7: -8, p50: 40, p83_3: 120 };

const opts: ReadLogsOptions = {
  intensity: (zone) => ({ FR, DE } as Record<string, ZoneIntensity>)[zone],
  countryIntensity: (iso3) => (iso3 === "WORLD" ? WORLD : undefined),
  logs: testLogAccess(),
  pue: 1.5,
};

// Run a: 100 W CPU + 300 W GPU for 10 x 3600 s = 4 kWh, x 1.5 = 6 kWh, x 50 g = 0.3 kg.
// Run b: 100 W estimated CPU for 10 h = 1 kWh, x 1.5 = 1.5 kWh, x 50 g = 0.075 kg.
const FIXED: FixtureRun[] = [
  { name: "a", cpuWatts: 100, gpuWatts: [300], samples: 10, intervalSeconds: 3600, zone: "FR" },
  {
    name: "b",
    cpuWatts: 100,
    cpuMethod: "estimate",
    samples: 10,
    intervalSeconds: 3600,
    zone: "FR",
  },
];

async function fixedData(runs = FIXED) {
  await using root = await tempDir();
  await writeLogSet(root.path, runs);
  const logs = await readLogs([root.path], opts);
  return statementData(logs, { country: "FRA", socialCost: FRA_COST, version: "9.9.9" });
}

const close = (actual: number, expected: number) =>
  ok(Math.abs(actual - expected) < 1e-12, `${actual} is not ${expected}`);

Deno.test("statement values field by field for a fixed log set", async () => {
  const d = await fixedData();
  equal(d.energyKwh, 7.5);
  equal(d.kgCO2e, 0.375);
  equal(d.hours, 20);
  equal(d.pue, 1.5);
  equal(d.zone, "FR");
  equal(d.intensityGramsPerKwh, 50);
  equal(d.intensitySource, FR.source);
  equal(d.intensityYear, 2024);
  equal(d.country, "FRA");
  // 0.000375 t x (-8, 40, 120) US$/t: a negative low end stays negative.
  close(d.socialCostUsd2005.p16_7, -0.003);
  close(d.socialCostUsd2005.p50, 0.015);
  close(d.socialCostUsd2005.p83_3, 0.045);
  equal(d.measuredFraction, 0.8);
  equal(d.runs, 2);
  equal(d.measuredEnergyKwh, 6);
  equal(d.estimatedEnergyKwh, 1.5);
  equal(d.gpuHours, 10);
  equal(d.cpuHours, 20);
  equal(d.runsWithoutCpuCounter, 1);
  deepEqual(d.zones.map((z) => z.zone), ["FR"]);
});

Deno.test(
  "runs in several zones: the energy-weighted intensity and a zones list",
  async () => {
    const d = await fixedData([
      ...FIXED,
      { name: "c", cpuWatts: 100, samples: 10, intervalSeconds: 3600, zone: "DE" },
    ]);
    equal(d.zone, null);
    deepEqual(d.zones.map((z) => [z.zone, z.energyKwh, z.kgCO2e]), [
      ["FR", 7.5, 0.375],
      ["DE", 1.5, 0.525],
    ]);
    // (0.375 + 0.525) kg / 9 kWh = 100 g/kWh.
    close(d.intensityGramsPerKwh, 100);
  },
);

Deno.test(
  "the JSON format is the stable contract, with the BibTeX beside it",
  async () => {
    const json = JSON.parse(renderStatement(await fixedData(), "json", "9.9.9"));
    for (
      const key of [
        "energyKwh",
        "kgCO2e",
        "hours",
        "pue",
        "zone",
        "intensityGramsPerKwh",
        "intensitySource",
        "intensityYear",
        "country",
        "socialCostUsd2005",
        "measuredFraction",
        "runs",
      ]
    ) ok(key in json, `missing ${key}`);
    deepEqual(Object.keys(json.socialCostUsd2005), ["p16_7", "p50", "p83_3"]);
    match(json.bibtex, /@article\{henderson2020towards/);
  },
);

Deno.test(
  "LaTeX: figures, escaped source, citations and commented BibTeX",
  async () => {
    const tex = renderStatement(await fixedData(), "latex", "9.9.9");
    match(tex, /used 7\.5 kWh of electricity, including a PUE of 1\.5~\\cite\{impact\}/);
    match(tex, /0\.375 kg CO\$_2\$e/);
    match(tex, /Test maps \\& Ember\\_2024 \(100\\% made up\)/);
    match(tex, /80\\% was measured/);
    match(tex, /1 run had no readable CPU energy counter/);
    match(tex, /for FRA is \\\$0\.015 \(16\.7-83\.3\\% range -\\\$0\.003 to \\\$0\.045/);
    match(tex, /\\cite\{ricke2018country\}/);
    match(tex, /% @article\{ricke2018country,\n% {3}author {2}= \{Ricke, Katharine/);
    match(tex, /% +doi +=\s*\{10\.1038\/s41558-018-0282-y\}/);
    match(tex, /% +journal = \{Journal of Machine Learning Research\}/);
    const paragraph = tex.split("\n").find((line) => line.startsWith("The experiments"))!;
    ok(
      !/[^\\][&%_#]/.test(paragraph.replaceAll("CO$_2$e", "")),
      `an unescaped special character in ${paragraph}`,
    );
  },
);

Deno.test(
  "Markdown and text carry the same figures and the three references",
  async () => {
    const d = await fixedData();
    const md = renderStatement(d, "markdown", "9.9.9");
    match(md, /^\*\*Carbon impact statement\.\*\*/);
    match(md, /0\.375 kg CO2e/);
    match(md, /```bibtex\n@misc\{impact,/);
    const text = renderStatement(d, "text", "9.9.9");
    match(text, /20 hours in 2 runs and used 7\.5 kWh/);
    match(text, /volume {2}= \{21\},\n {2}number {2}= \{248\},\n {2}pages {3}= \{1--43\}/);
    match(text, /Version 9\.9\.9/);
  },
);

Deno.test("an unknown region is said in the statement's assumptions", async () => {
  const d = await fixedData([{ name: "x", cpuWatts: 100, samples: 10, intervalSeconds: 3600 }]);
  equal(d.zone, null);
  equal(d.intensityGramsPerKwh, 480);
  match(renderStatement(d, "text", "1"), /Assumptions:\n- region unknown; used the world average/);
  match(renderStatement(d, "text", "1"), /an unknown region/);
});

Deno.test("LaTeX escaping and dollar amounts", () => {
  equal(
    escapeLatex("a_b & c% $d #e {f} ~g ^h \\i"),
    "a\\_b \\& c\\% \\$d \\#e \\{f\\} \\textasciitilde{}g \\textasciicircum{}h \\textbackslash{}i",
  );
  equal(formatUsd(-0.07), "-$0.07");
  equal(formatUsd(1234.4), "$1,234");
  equal(formatUsd(0.5), "$0.5");
  equal(formatUsd(5.2), "$5.20");
  equal(formatUsd(-0.00314), "-$0.0031");
});

Deno.test(
  "runs with unmeasured devices: every format says which, how long and that their energy is left out",
  async () => {
    const d = await fixedData(gapRuns());
    equal(d.runsWithGaps, 2);
    equal(d.unmeasuredDeviceHours, 0.25);
    deepEqual(d.gaps, [
      { device: "gpu-1", reason: "GPU is lost", seconds: 720, runs: 1 },
      {
        device: "package-0",
        reason: "measurement stopped early: energy_uj read failed",
        seconds: 180,
        runs: 1,
      },
    ]);
    const sentence = "For 2 of 3 runs, a device was not measured for part of the run: gpu-1 " +
      "for 12 min (GPU is lost); package-0 for 3 min (measurement stopped early: energy_uj " +
      "read failed). The energy of those stretches is not included in these figures.";
    ok(renderStatement(d, "text", "1").includes(sentence));
    ok(renderStatement(d, "markdown", "1").includes(sentence.replace("energy_uj", "energy\\_uj")));
    const tex = renderStatement(d, "latex", "1");
    // In the paragraph itself (LaTeX comments would not reach the reader), escaped.
    const paragraph = tex.split("\n").find((line) => line.startsWith("The experiments"))!;
    ok(paragraph.includes(sentence.replace("energy_uj", "energy\\_uj")), paragraph);
    const json = JSON.parse(renderStatement(d, "json", "1"));
    equal(json.runsWithGaps, 2);
    equal(json.unmeasuredDeviceHours, 0.25);
    equal(json.gaps[0].device, "gpu-1");
    equal(json.gaps[0].seconds, 720);
  },
);

Deno.test("a single run with a gap, and runs without: the statement reads right", async () => {
  const [lost] = gapRuns();
  const one = renderStatement(await fixedData([lost!]), "text", "1");
  match(one, /In this run, a device was not measured for part of the run: gpu-1 for 12 min/);
  const none = await fixedData();
  equal(none.runsWithGaps, 0);
  deepEqual(none.gaps, []);
  for (const format of ["text", "markdown", "latex"] as const) {
    ok(!/not measured/.test(renderStatement(none, format, "1")), format);
  }
});

/**
 * Issue 12, item 3: negative, string, 1e400 and duplicated-key values in samples.jsonl,
 * summary.json and impact.json reach no output of summary, statement, export or appendix; the
 * records (or runs) that hold them are left out, named and counted, and the rest is reported.
 *
 * @module
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../../lib/cli/app.ts";
import { parseCsv } from "../../lib/csv.ts";
import { captureContext } from "../helpers/context.ts";
import { makeRun, writeRun } from "../helpers/log_fixtures.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const specPath = fileURLToPath(new URL("../fixtures/appendix_spec.json", import.meta.url));

/** 100 W for ten 36 s intervals: 0.01 kWh at PUE 1. */
const fr = () => makeRun({ cpuWatts: 100, samples: 10, intervalSeconds: 36, zone: "FR" });

/**
 * Six runs: two good ones, a killed run with four hostile lines among its good ones, a
 * summary without totals, a summary of negative figures, and an impact.json no reader can
 * use. Usable energy: five runs x 0.01 kWh.
 */
async function hostileSet(root: string): Promise<void> {
  await writeRun(join(root, "good-a"), fr());
  await writeRun(join(root, "good-b"), fr());
  const killed = fr();
  const line = JSON.stringify(killed.samples[0]);
  await writeRun(join(root, "killed"), killed, {
    omitSummary: true,
    insertLines: [
      { at: 2, text: line.replace('"powerWatts":100', '"powerWatts":-100') },
      { at: 4, text: line.replace('"machineEnergyJoules":3600', '"machineEnergyJoules":"3600"') },
      { at: 6, text: line.replace('"machineEnergyJoules":3600', '"machineEnergyJoules":1e400') },
      {
        at: 8,
        text: line.replace('"intervalSeconds":36', '"intervalSeconds":36,"intervalSeconds":360000'),
      },
    ],
  });
  const noTotals = fr();
  delete (noTotals.summary as Partial<typeof noTotals.summary>).totals;
  await writeRun(join(root, "no-totals"), noTotals);
  const negative = fr();
  negative.summary.totals.attributedEnergyJoules = -5.7e7;
  negative.summary.durationSeconds = -360_000;
  await writeRun(join(root, "negative"), negative);
  await writeRun(join(root, "bad-info"), fr());
  const infoPath = join(root, "bad-info", "impact.json");
  const info = await Deno.readTextFile(infoPath);
  await Deno.writeTextFile(
    infoPath,
    info.replace('"start":', '"start": "2024-01-01T00:00:00Z",\n  "start":'),
  );
}

/** Every number in a JSON value, with its path. */
function numbers(value: unknown, path = ""): [string, number][] {
  if (typeof value === "number") return [[path, value]];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
}

function assertSane(label: string, value: unknown) {
  for (const [path, n] of numbers(value)) {
    ok(Number.isFinite(n) && n >= 0, `${label}: ${path} is ${n}`);
  }
}

Deno.test("summary, statement and export report the usable records and name what they left out", async () => {
  await using root = await tempDir();
  await hostileSet(root.path);

  const summary = captureContext(undefined, root.path);
  equal(await runCli(["summary", ".", "--json", "--pue", "1"], summary), 0, summary.err());
  const json = JSON.parse(summary.out());
  assertSane("summary --json", { total: json.total, runs: json.runs });
  equal(json.total.runs, 5);
  equal(json.total.energyKwh, 0.05);
  equal(json.total.hours, 0.5);
  const warnings: string[] = json.warnings;
  const samples = join(root.path, "killed", "samples.jsonl");
  for (
    const expected of [
      `${samples}:2: field "devices[0].powerWatts" is -100; it cannot be negative; line skipped`,
      `${samples}:5: field "devices[0].machineEnergyJoules" is a string ("3600"), not a number; line skipped`,
      `${samples}:8: field "devices[0].machineEnergyJoules" is Infinity, not a finite number; line skipped`,
      `${samples}:11: field "intervalSeconds" is written twice (JSON readers disagree on which counts); line skipped`,
      `${
        join(root.path, "no-totals", "summary.json")
      }:1: field "totals" is missing; summary recomputed from 10 samples`,
      `${
        join(root.path, "bad-info", "impact.json")
      }:13: field "start" is written twice (JSON readers disagree on which counts); run left out`,
      "1 of 6 log directories left out of the totals (unusable, named above)",
    ]
  ) ok(warnings.includes(expected), `missing warning: ${expected}\n${warnings.join("\n")}`);
  ok(
    warnings.some((w) => /negative\/summary\.json:\d+: field "durationSeconds" is -360000/.test(w)),
  );

  const statement = captureContext(undefined, root.path);
  equal(
    await runCli(
      ["statement", ".", "--country", "USA", "--format", "json", "--pue", "1"],
      statement,
    ),
    0,
  );
  const data = JSON.parse(statement.out());
  assertSane("statement", { ...data, bibtex: undefined });
  equal(data.energyKwh, 0.05);
  equal(data.runs, 5);
  deepEqual(data.notes.slice(0, 2), [
    "1 log directory left out as unusable (impact's warnings name each)",
    "4 unusable sample records left out (impact's warnings name each file and line)",
  ]);
  match(statement.err(), /killed\/samples\.jsonl:2: field "devices\[0\]\.powerWatts" is -100/);

  const text = captureContext(undefined, root.path);
  equal(await runCli(["statement", ".", "--country", "USA"], text), 0);
  match(text.out(), /ran for 0\.5 hours in 5 runs and used 0\.079 kWh/);
  match(text.out(), /- 4 unusable sample records left out/);
  ok(!/NaN|Infinity|-[\d.]+ (kWh|hours|kg)/.test(text.out()), text.out());

  const exported = captureContext(undefined, root.path);
  equal(await runCli(["export", ".", "--format", "csv", "--pue", "1"], exported), 0);
  const [header, ...rows] = parseCsv(exported.out()).map((r) => r.fields);
  equal(rows.length, 5);
  for (
    const column of ["duration_seconds", "energy_kwh", "it_energy_kwh", "kg_co2e", "cpu_hours"]
  ) {
    const at = header!.indexOf(column);
    for (const row of rows) {
      const cell = row[at]!;
      ok(cell !== "" && Number.isFinite(Number(cell)) && Number(cell) >= 0, `${column}: "${cell}"`);
    }
  }
});

Deno.test("the appendix is built from the usable runs with no impossible figure on any page", async () => {
  await using root = await tempDir();
  await hostileSet(join(root.path, "logs", "pong", "ppo"));
  const ctx = captureContext(undefined, root.path);
  const code = await runCli(
    ["appendix", "logs", "--site-spec", specPath, "--out", "site", "--pue", "1"],
    ctx,
  );
  equal(code, 0, ctx.err());
  match(ctx.out(), /for 5 runs/);
  match(ctx.err(), /1 of 6 log directories left out/);
  const pages = ["index.html", "sets/pong-ppo.html"];
  for await (const entry of Deno.readDir(join(root.path, "site", "runs"))) {
    if (entry.name.endsWith(".html")) pages.push(`runs/${entry.name}`);
  }
  equal(pages.length, 7);
  for (const name of pages) {
    // The warnings quote the hostile values on purpose; the figures must not.
    const page = (await Deno.readTextFile(join(root.path, "site", name)))
      .replace(/Warnings<\/strong><ul>.*?<\/ul>/s, "").replace(/<script>.*?<\/script>/gs, "");
    const bad = /.{0,60}(NaN|Infinity|-\d[\d.]* (h|kWh|kg)|-15\.8|-100|-36000).{0,30}/.exec(page)
      ?.[0];
    equal(bad, undefined, `${name} holds an impossible figure: ${bad}`);
  }
});

Deno.test("nothing usable at all is exit 3 with the reasons", async () => {
  await using root = await tempDir();
  await writeRun(join(root.path, "only"), fr());
  await Deno.writeTextFile(join(root.path, "only", "impact.json"), '{"schemaVersion": 1}');
  for (const command of [["summary"], ["statement", "--country", "USA"], ["export"]]) {
    const ctx = captureContext(undefined, root.path);
    equal(await runCli([...command, "."], ctx), 3, command[0]);
    match(
      ctx.err(),
      /No usable log directory among the 1 found: .*impact\.json:1: field "tool" is missing/,
    );
  }
});

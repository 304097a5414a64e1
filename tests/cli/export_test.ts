import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../../lib/cli/app.ts";
import { parseCsv } from "../../lib/csv.ts";
import { CODECARBON_COLUMNS, IMPACT_COLUMNS } from "../../lib/report/export.ts";
import { captureContext } from "../helpers/context.ts";
import { frAndDeRuns, gapRuns, writeLogSet } from "../helpers/log_fixtures.ts";
import { tempDir } from "../helpers/temp_dir.ts";
import { intensityFor } from "../../lib/geo/intensity.ts";

Deno.test(
  "impact export --format codecarbon -o writes emissions.csv with one row per run",
  async () => {
    await using root = await tempDir();
    await writeLogSet(root.path, frAndDeRuns());
    const ctx = captureContext(undefined, root.path);
    equal(
      await runCli([
        "export",
        "--format",
        "codecarbon",
        "--pue",
        "1",
        root.path,
        "-o",
        "emissions.csv",
      ], ctx),
      0,
    );
    equal(ctx.out(), "");
    const rows = parseCsv(await Deno.readTextFile(join(root.path, "emissions.csv")));
    equal(rows.length, 3);
    deepEqual(rows[0]!.fields, [...CODECARBON_COLUMNS]);
    const energy = CODECARBON_COLUMNS.indexOf("energy_consumed");
    const values = rows.slice(1).map((r) => Number(r.fields[energy])).sort();
    // 100 W and 200 W for 360 s: 0.01 and 0.02 kWh, CodeCarbon's unit.
    ok(Math.abs(values[0]! - 0.01) < 1e-9, String(values));
    ok(Math.abs(values[1]! - 0.02) < 1e-9, String(values));
    match(ctx.err(), /2 run\(s\) written to/);
  },
);

Deno.test(
  "impact export --format jsonl prints our own rows on stdout",
  async () => {
    await using root = await tempDir();
    await writeLogSet(root.path, [{ name: "a", cpuWatts: 100, samples: 10, intervalSeconds: 36 }]);
    const ctx = captureContext(undefined, root.path);
    equal(await runCli(["export", "--format", "jsonl", "--pue", "1", root.path], ctx), 0);
    const rows = ctx.out().trimEnd().split("\n").map((l) => JSON.parse(l));
    equal(rows.length, 1);
    ok(Object.values(rows[0]).includes(0.1), ctx.out());
  },
);

Deno.test("impact export refuses an unknown format and a folder without logs", async () => {
  await using root = await tempDir();
  const ctx = captureContext(undefined, root.path);
  equal(await runCli(["export", "--format", "xlsx", root.path], ctx), 2);
  match(ctx.err(), /xlsx/);
  const empty = captureContext(undefined, root.path);
  equal(await runCli(["export", root.path], empty), 3);
  match(empty.err(), /No log directories/);
});

async function exportTo(root: string, args: string[]) {
  const ctx = captureContext(undefined, root);
  const code = await runCli(["export", ...args], ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

Deno.test("export -o appends rows under an existing file's header, as CodeCarbon does", async () => {
  await using root = await tempDir();
  await writeLogSet(join(root.path, "first"), [{ name: "a", cpuWatts: 100, zone: "FR" }]);
  await writeLogSet(join(root.path, "second"), [{ name: "b", cpuWatts: 200, zone: "DE" }]);
  const file = join(root.path, "emissions.csv");
  equal((await exportTo(root.path, [join(root.path, "first"), "-o", "emissions.csv"])).code, 0);
  const second = await exportTo(root.path, [join(root.path, "second"), "-o", "emissions.csv"]);
  equal(second.code, 0, second.err);
  match(second.err, /1 run\(s\) appended to .*emissions\.csv/);
  const rows = parseCsv(await Deno.readTextFile(file));
  equal(rows.length, 3);
  deepEqual(rows[0]!.fields, [...CODECARBON_COLUMNS]);
  const region = CODECARBON_COLUMNS.indexOf("region");
  deepEqual(rows.slice(1).map((r) => r.fields[region]), ["FR", "DE"]);

  // A file whose columns are CodeCarbon's in another order gets rows in its own order.
  const shuffled = [...CODECARBON_COLUMNS].reverse();
  await Deno.writeTextFile(file, shuffled.join(",") + "\n");
  equal((await exportTo(root.path, [join(root.path, "second"), "-o", "emissions.csv"])).code, 0);
  const back = parseCsv(await Deno.readTextFile(file));
  equal(back[1]!.fields[shuffled.indexOf("region")], "DE");

  // JSON Lines append too.
  equal(
    (await exportTo(root.path, [join(root.path, "first"), "--format", "jsonl", "-o", "runs.jsonl"]))
      .code,
    0,
  );
  equal(
    (await exportTo(root.path, [
      join(root.path, "second"),
      "--format",
      "jsonl",
      "-o",
      "runs.jsonl",
    ])).code,
    0,
  );
  const lines = (await Deno.readTextFile(join(root.path, "runs.jsonl"))).trimEnd().split("\n");
  deepEqual(lines.map((l) => JSON.parse(l).zone), ["FR", "DE"]);
});

Deno.test("export -o refuses a file with other columns, naming it and them, and keeps it", async () => {
  await using root = await tempDir();
  await writeLogSet(root.path, [{ name: "a", cpuWatts: 100, zone: "FR" }]);
  const file = join(root.path, "emissions.csv");
  const old = "timestamp,project_name,my_column\n2024-01-01T00:00:00,x,1\n";
  await Deno.writeTextFile(file, old);
  const r = await exportTo(root.path, [root.path, "-o", "emissions.csv"]);
  equal(r.code, 3);
  match(r.err, new RegExp(`${file.replaceAll("/", "\\/")}`));
  match(r.err, /not in this export: my_column/);
  match(r.err, /missing from the file: run_id, /);
  equal(await Deno.readTextFile(file), old);
  // Our own CSV into a CodeCarbon file: refused the same way.
  await exportTo(root.path, [root.path, "-o", "cc.csv"]);
  const before = await Deno.readTextFile(join(root.path, "cc.csv"));
  const mixed = await exportTo(root.path, [root.path, "--format", "csv", "-o", "cc.csv"]);
  equal(mixed.code, 3);
  match(mixed.err, /cc\.csv/);
  equal(await Deno.readTextFile(join(root.path, "cc.csv")), before);
});

Deno.test("the CodeCarbon export matches the summary's energy within 0.01%, from joules", async () => {
  await using root = await tempDir();
  // A 6 s run at 3.3 W: 19.8 J, which figures rounded to 1e-7 kWh (0.36 J) miss by about 1%.
  await writeLogSet(root.path, [{
    name: "short",
    cpuWatts: 3.3,
    dramWatts: 0.7,
    samples: 6,
    intervalSeconds: 1,
    zone: "FR",
  }]);
  const r = await exportTo(root.path, [root.path]);
  equal(r.code, 0, r.err);
  const [header, row] = parseCsv(r.out).map((x) => x.fields);
  const cell = (name: string) => Number(row![header!.indexOf(name)]);
  const summary = JSON.parse(await Deno.readTextFile(join(root.path, "short", "summary.json")));
  const pue = cell("pue");
  const close = (got: number, want: number) =>
    ok(Math.abs(got - want) <= want * 1e-4, `${got} vs ${want}`);
  close(cell("energy_consumed") * 3.6e6 / pue, summary.totals.attributedEnergyJoules);
  close(cell("cpu_energy") * 3.6e6 / pue, 19.8);
  close(cell("ram_energy") * 3.6e6 / pue, 4.2);
  // Power is the device's (before PUE), over the window the energy covers.
  close(cell("cpu_power"), 19.8 / summary.durationSeconds);
  close(cell("ram_power"), 4.2 / summary.durationSeconds);
  close(
    cell("emissions") * 1000,
    cell("energy_consumed") * intensityFor("FR")!.intensityGramsPerKwh,
  );
});

Deno.test("the CodeCarbon export fills country_name and the utilisation it knows", async () => {
  await using root = await tempDir();
  await writeLogSet(root.path, [{ name: "gpu", cpuWatts: 50, gpuWatts: [300], zone: "FR" }]);
  const r = await exportTo(root.path, [root.path]);
  equal(r.code, 0, r.err);
  const [header, row] = parseCsv(r.out).map((x) => x.fields);
  const cell = (name: string) => row![header!.indexOf(name)];
  equal(cell("country_name"), "France");
  equal(cell("country_iso_code"), "FRA");
  // The fixture's machine CPU is 50% busy and its GPU 90%.
  equal(Number(cell("cpu_utilization_percent")), 50);
  equal(Number(cell("gpu_utilization_percent")), 90);
});

Deno.test(
  "impact export: our csv and jsonl carry each run's unmeasured device-seconds; CodeCarbon's columns stay",
  async () => {
    await using root = await tempDir();
    await writeLogSet(root.path, gapRuns());
    const run = async (format: string) => {
      const ctx = captureContext(undefined, root.path);
      equal(await runCli(["export", "--format", format, root.path], ctx), 0, ctx.err());
      return ctx.out();
    };
    const [header, ...rows] = parseCsv(await run("csv")).map((r) => r.fields);
    deepEqual(header, [...IMPACT_COLUMNS]);
    const cell = (row: string[], name: typeof IMPACT_COLUMNS[number]) => row[header!.indexOf(name)];
    const byDir = (name: string) => rows.find((r) => cell(r, "dir")!.endsWith(name))!;
    equal(cell(byDir("lost"), "unmeasured_device_seconds"), "720");
    equal(cell(byDir("lost"), "unmeasured_devices"), "gpu-1 720 s (GPU is lost)");
    equal(
      cell(byDir("old"), "unmeasured_devices"),
      "package-0 180 s (measurement stopped early: energy_uj read failed)",
    );
    equal(cell(byDir("whole"), "unmeasured_device_seconds"), "0");
    equal(cell(byDir("whole"), "unmeasured_devices"), "");

    const records = (await run("jsonl")).trimEnd().split("\n").map((l) => JSON.parse(l));
    const lost = records.find((r) => r.dir.endsWith("lost"));
    equal(lost.unmeasured_device_seconds, 720);
    equal(lost.unmeasured_devices, "gpu-1 720 s (GPU is lost)");

    const [codecarbon] = parseCsv(await run("codecarbon")).map((r) => r.fields);
    deepEqual(codecarbon, [...CODECARBON_COLUMNS]);
  },
);

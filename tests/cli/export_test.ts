import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../../lib/cli/app.ts";
import { parseCsv } from "../../lib/csv.ts";
import { CODECARBON_COLUMNS } from "../../lib/report/export.ts";
import { captureContext } from "../helpers/context.ts";
import { frAndDeRuns, writeLogSet } from "../helpers/log_fixtures.ts";
import { tempDir } from "../helpers/temp_dir.ts";

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

import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../../lib/cli/app.ts";
import { captureContext } from "../helpers/context.ts";
import { makeRun, tempDir, writeLogSet, writeRun } from "../helpers/log_fixtures.ts";

Deno.test(
  "impact summary prints totals and one row per run found recursively",
  async () => {
    await using root = await tempDir();
    await writeLogSet(root.path, [
      { name: "exp/a", cpuWatts: 100, samples: 10, intervalSeconds: 36, zone: "FR" },
      { name: "exp/deeper/b", cpuWatts: 200, samples: 10, intervalSeconds: 36, zone: "DE" },
    ]);
    const ctx = captureContext(undefined, root.path);
    equal(await runCli(["summary", root.path, "--pue", "1.5"], ctx), 0);
    // (0.01 + 0.02) kWh x 1.5.
    match(ctx.out(), /^2 runs: 0\.045 kWh \(PUE 1\.5\)/);
    match(ctx.out(), /exp\/a\s+2024-03-01 12:00\s+0\.1\s+0\.015\s+\S+\s+FR\s/);
    match(ctx.out(), /exp\/deeper\/b\s+.*\sDE\s/);
  },
);

Deno.test(
  "impact summary --json gives totals, runs and warnings; corrupt lines are listed",
  async () => {
    await using root = await tempDir();
    const dir = join(root.path, "run");
    await writeRun(dir, makeRun({ cpuWatts: 100, samples: 3, intervalSeconds: 36, zone: "FR" }), {
      insertLines: [{ at: 2, text: "garbage" }],
    });
    const ctx = captureContext(undefined, root.path);
    equal(await runCli(["summary", root.path, "--json"], ctx), 0);
    const json = JSON.parse(ctx.out());
    equal(json.total.runs, 1);
    equal(json.runs[0].zone, "FR");
    equal(json.runs[0].pue, 1.58);
    equal(json.warnings.length, 1);
    match(json.warnings[0], new RegExp(`${join(dir, "samples.jsonl")}:2`));
  },
);

Deno.test(
  "a killed run is recomputed and flagged; OVERRIDE_PUE is honoured",
  async () => {
    await using root = await tempDir();
    await writeRun(
      join(root.path, "killed"),
      makeRun({ cpuWatts: 100, samples: 10, intervalSeconds: 36 }),
      { omitSummary: true },
    );
    const runtime = { ...(await import("../../lib/runtime.ts")).denoRuntime };
    runtime.env = (name: string) => (name === "OVERRIDE_PUE" ? "2" : undefined);
    const ctx = captureContext(runtime, root.path);
    equal(await runCli(["summary", root.path, "--json"], ctx), 0);
    const json = JSON.parse(ctx.out());
    equal(json.runs[0].recomputed, true);
    equal(json.total.energyKwh, 0.02);
    ok(json.runs[0].notes.some((n: string) => /recomputed/.test(n)));
    ok(json.runs[0].notes.some((n: string) => /region unknown/.test(n)));
  },
);

Deno.test("bad input: a missing folder is exit 3, a bad --pue exit 2", async () => {
  const ctx = captureContext();
  equal(await runCli(["summary", "/no/such/dir/impact"], ctx), 3);
  match(ctx.err(), /\/no\/such\/dir\/impact/);
  const ctx2 = captureContext();
  equal(await runCli(["summary", ".", "--pue", "0.7"], ctx2), 2);
  match(ctx2.err(), /PUE must be a number of at least 1, got "0\.7"/);
});

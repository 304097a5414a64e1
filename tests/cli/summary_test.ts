import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../../lib/cli/app.ts";
import { captureContext } from "../helpers/context.ts";
import { frAndDeRuns, gapRuns, makeRun, writeLogSet, writeRun } from "../helpers/log_fixtures.ts";
import { tempDir } from "../helpers/temp_dir.ts";
import { intensityForCountry } from "../../lib/geo/intensity.ts";

Deno.test(
  "impact summary prints totals and one row per run found recursively",
  async () => {
    await using root = await tempDir();
    await writeLogSet(root.path, frAndDeRuns("exp/a", "exp/deeper/b"));
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

Deno.test(
  "impact summary merges a SLURM job's node and task logs into one run with per-node detail",
  async () => {
    await using root = await tempDir();
    const write = async (node: string, kind: string, rank: number, sampler: boolean, w: number) => {
      const run = makeRun({ cpuWatts: w, samples: 10, intervalSeconds: 36, zone: "FR" });
      const slurm = { jobId: "55", stepId: "0", node, taskRank: rank, nodeSampler: sampler };
      run.info.slurm = slurm;
      run.summary.slurm = slurm;
      await writeRun(join(root.path, "55", node, "step-0", kind), run);
    };
    await write("n1", "node", 0, true, 100);
    await write("n1", "task-1", 1, false, 0);
    await write("n2", "node", 2, true, 300);
    await write("n2", "task-3", 3, false, 0);
    await writeRun(join(root.path, "laptop"), makeRun({ cpuWatts: 50, samples: 10, zone: "FR" }));
    const ctx = captureContext(undefined, root.path);
    equal(await runCli(["summary", root.path, "--pue", "1"], ctx), 0);
    // The job counts once (0.01 + 0.03 kWh), beside the laptop run (0.00139 kWh).
    match(ctx.out(), /^2 runs: 0\.0414 kWh/);
    match(ctx.out(), /job 55 \(2 nodes\)\s+2024-03-01 12:00\s+0\.1\s+0\.04\s/);
    match(ctx.out(), /job 55 \(2 nodes\)/);
    match(ctx.out(), /SLURM job 55: 2 node\(s\), 4 log\(s\)/);
    match(ctx.out(), /n1\s+0,1\s+0\.01\s.*55\/n1\/step-0\/node/);
    match(ctx.out(), /n2\s+2,3\s+0\.03\s/);

    const json = captureContext(undefined, root.path);
    equal(await runCli(["summary", root.path, "--pue", "1", "--json"], json), 0);
    const parsed = JSON.parse(json.out());
    const job = parsed.runs.find((r: { jobId?: string }) => r.jobId === "55");
    equal(job.nodes.length, 2);
    equal(job.dirs.length, 4);
    equal(parsed.total.runs, 2);
  },
);

Deno.test("a --year without intensity data is a usage error, not a silent world average", async () => {
  for (const command of [["summary", "."], ["statement", ".", "--country", "USA"]]) {
    const ctx = captureContext();
    equal(await runCli([...command, "--year", "2019"], ctx), 2, command[0]);
    match(ctx.err(), /--year must be one of 2021, 2022, 2023, 2024, 2025, got "2019"/);
  }
  const ctx = captureContext();
  const code = await runCli(
    ["estimate", "--gpu", "A100", "--hours", "1", "--location", "DE", "--year", "2019"],
    ctx,
  );
  equal(code, 2);
  match(ctx.err(), /--year must be one of/);
});

Deno.test("measured counts only counter and integrated figures, however small the run", async () => {
  await using root = await tempDir();
  // Every figure an estimate, and too little energy to show in kWh.
  await writeLogSet(root.path, [
    { name: "estimated", cpuWatts: 0.001, cpuMethod: "estimate", samples: 1, intervalSeconds: 0.1 },
    { name: "idle", cpuWatts: 2, cpuMethod: "estimate", attributedShare: 0 },
  ]);
  const ctx = captureContext(undefined, root.path);
  equal(await runCli(["summary", root.path], ctx), 0);
  match(ctx.out(), /^Measured 0 kWh \(0%\), estimated/m);
  match(ctx.out(), /estimated\s.*\s0%\n/);
  match(ctx.out(), /idle\s.*\s0%\n/);
  const statement = captureContext(undefined, root.path);
  equal(
    await runCli(["statement", root.path, "--country", "USA", "--format", "json"], statement),
    0,
  );
  equal(JSON.parse(statement.out()).measuredFraction, 0);
  // A measured zero (a counter that read no energy for the job) is measured.
  await using counted = await tempDir();
  await writeLogSet(counted.path, [{ name: "counted", cpuWatts: 2, attributedShare: 0 }]);
  const measured = captureContext(undefined, counted.path);
  equal(await runCli(["summary", counted.path], measured), 0);
  match(measured.out(), /^Measured 0 kWh \(100%\)/m);
});

Deno.test("every printed intensity is the one used, not kg over rounded kWh", async () => {
  await using root = await tempDir();
  // 6 s at 3.3 W: kWh and kg both round hard at 1e-7.
  await writeLogSet(root.path, [
    { name: "usa", cpuWatts: 3.3, samples: 6, intervalSeconds: 1, country: "USA" },
  ]);
  await using unknown = await tempDir();
  await writeLogSet(unknown.path, [{
    name: "nowhere",
    cpuWatts: 3.3,
    samples: 6,
    intervalSeconds: 1,
  }]);
  const used = intensityForCountry("USA")!.intensityGramsPerKwh;
  const world = intensityForCountry("WORLD")!.intensityGramsPerKwh;

  const json = captureContext(undefined, root.path);
  equal(await runCli(["statement", root.path, "--country", "USA", "--format", "json"], json), 0);
  const data = JSON.parse(json.out());
  equal(data.intensityGramsPerKwh, used);
  equal(data.zones[0].intensityGramsPerKwh, used);
  const text = captureContext(undefined, root.path);
  equal(await runCli(["statement", root.path, "--country", "USA"], text), 0);
  match(text.out(), new RegExp(`At a carbon intensity of ${used} gCO2e/kWh`));

  const summary = captureContext(undefined, unknown.path);
  equal(await runCli(["summary", unknown.path], summary), 0);
  match(summary.out(), new RegExp(`used the world average: ${world} gCO2e/kWh`));
  match(
    summary.out(),
    new RegExp(`nowhere\\s.*\\sunknown\\s+${String(world).replace(".", "\\.")}\\s`),
  );
  const summaryJson = captureContext(undefined, unknown.path);
  equal(await runCli(["summary", unknown.path, "--json"], summaryJson), 0);
  equal(JSON.parse(summaryJson.out()).runs[0].intensityGramsPerKwh, world);
});

Deno.test(
  "impact summary marks runs with unmeasured devices and says how long under the table",
  async () => {
    await using root = await tempDir();
    await writeLogSet(root.path, gapRuns());
    const ctx = captureContext(undefined, root.path);
    equal(await runCli(["summary", root.path], ctx), 0, ctx.err());
    const out = ctx.out();
    match(out, /\smeasured\s+not measured\n/);
    match(out, /\nlost\s.*\sgpu-1 12 min\n/);
    match(out, /\nold\s.*\spackage-0 3 min\n/);
    match(out, /\nwhole\s.*%\n/);
    match(
      out,
      /\n2 of 3 runs have unmeasured devices: gpu-1 for 12 min \(GPU is lost\); package-0 for 3 min \(measurement stopped early: energy_uj read failed\)\. Their energy in those stretches is in no figure above\.\n/,
    );

    const json = captureContext(undefined, root.path);
    equal(await runCli(["summary", root.path, "--json"], json), 0);
    const data = JSON.parse(json.out());
    equal(data.total.runsWithGaps, 2);
    // 12 min of gpu-1 + 3 min of package-0.
    equal(data.total.unmeasuredDeviceHours, 0.25);
    const lost = data.runs.find((r: { dir: string }) => r.dir.endsWith("lost"));
    equal(lost.unmeasuredDeviceHours, 0.2);
    equal(lost.gaps.length, 1);
    equal(lost.gaps[0].device, "gpu-1");
    equal(lost.gaps[0].seconds, 720);
    equal(lost.gaps[0].reason, "GPU is lost");
  },
);

Deno.test("impact summary of runs without gaps has no gap column and no gap line", async () => {
  await using root = await tempDir();
  await writeLogSet(root.path, frAndDeRuns());
  const ctx = captureContext(undefined, root.path);
  equal(await runCli(["summary", root.path], ctx), 0);
  ok(!/not measured|unmeasured/.test(ctx.out()), ctx.out());
});

Deno.test("a run that lost two devices reads as both, their time added", async () => {
  await using root = await tempDir();
  // Both GPUs lost for the last 5 of 10 intervals of 36 s: 2 x 3 min.
  await writeLogSet(root.path, [{
    name: "both",
    gpuWatts: [300, 300],
    samples: 10,
    intervalSeconds: 36,
    gaps: [{ device: "gpu-0", fromSample: 5 }, { device: "gpu-1", fromSample: 5 }],
  }]);
  const ctx = captureContext(undefined, root.path);
  equal(await runCli(["summary", root.path], ctx), 0);
  match(ctx.out(), /\nboth\s.*\s2 devices, 6 min in all\n/);
  match(
    ctx.out(),
    /1 of 1 run has unmeasured devices: gpu-0 for 3 min \(GPU is lost \(NVML error 15\)\); gpu-1 for 3 min/,
  );
});

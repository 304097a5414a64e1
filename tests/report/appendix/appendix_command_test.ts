import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";
import { runCli } from "../../../lib/cli/app.ts";
import { appendixCommandDeps, type AppendixDeps } from "../../../lib/cli/commands/appendix.ts";
import { readLogs } from "../../../lib/report/read_logs.ts";
import { denoRuntime } from "../../../lib/runtime.ts";
import { captureContext } from "../../helpers/context.ts";
import { writeLogSet } from "../../helpers/log_fixtures.ts";
import { tempDir } from "../../helpers/temp_dir.ts";
import { makeLogsFigures, makeRun, makeSamples } from "../../fixtures/appendix_figures.ts";

const specPath = fileURLToPath(new URL("../../fixtures/appendix_spec.json", import.meta.url));

/** Replaces the command's readers for one test. */
async function withDeps<T>(deps: AppendixDeps, fn: () => Promise<T>): Promise<T> {
  const saved = appendixCommandDeps.load;
  appendixCommandDeps.load = () => Promise.resolve(deps);
  try {
    return await fn();
  } finally {
    appendixCommandDeps.load = saved;
  }
}

async function fakeLogs(root: string): Promise<AppendixDeps> {
  const names = ["pong/ppo/lr-0.1/seed-1", "pong/ppo/lr-0.3/seed-1", "breakout/a2c/seed-1"];
  const runs: ReturnType<typeof makeRun>[] = [];
  for (const [i, name] of names.entries()) {
    const dir = join(root, "logs", name);
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, "impact.json"), `{"run":${i}}\n`);
    await Deno.writeTextFile(join(dir, "samples.jsonl"), "{}\n".repeat(10));
    runs.push(makeRun({ dir, energyKwh: 1 + i, hours: 0.01, kgCO2e: 0.5, labels: { lr: "0.1" } }));
  }
  return {
    readLogs: () => Promise.resolve(makeLogsFigures(runs)),
    readSamples: (dir) =>
      Promise.resolve(makeSamples(runs[0]!.info.start, dir.includes("a2c") ? 0 : 36)),
    socialCost: { usdPerTonne: 400, source: "test figure" },
  };
}

Deno.test("impact appendix writes the site and says how to open it", async () => {
  await using root = await tempDir();
  const deps = await fakeLogs(root.path);
  const ctx = captureContext(undefined, root.path);
  const code = await withDeps(
    deps,
    () =>
      runCli([
        "appendix",
        "logs",
        "--site-spec",
        specPath,
        "--out",
        "site",
        "--title",
        "My <b>appendix",
      ], ctx),
  );
  equal(code, 0, ctx.err());
  match(ctx.out(), /Wrote 6 pages for 3 runs in 2 sets to site/);
  match(ctx.out(), /Open site\/index\.html/);
  const index = await Deno.readTextFile(join(root.path, "site", "index.html"));
  match(index, /My &lt;b&gt;appendix/);
  const runs = [...Deno.readDirSync(join(root.path, "site", "runs"))].map((e) => e.name).sort();
  deepEqual(runs, [
    "breakout-a2c-seed-1.html",
    "breakout-a2c-seed-1.zip",
    "pong-ppo-lr-0-1-seed-1.html",
    "pong-ppo-lr-0-1-seed-1.zip",
    "pong-ppo-lr-0-3-seed-1.html",
    "pong-ppo-lr-0-3-seed-1.zip",
  ]);
  const zip = unzipSync(
    await Deno.readFile(join(root.path, "site", "runs", "breakout-a2c-seed-1.zip")),
  );
  deepEqual(Object.keys(zip).sort(), [
    "breakout-a2c-seed-1/impact.json",
    "breakout-a2c-seed-1/samples.jsonl",
  ]);
  equal(new TextDecoder().decode(zip["breakout-a2c-seed-1/impact.json"]), '{"run":2}\n');
  const page = await Deno.readTextFile(
    join(root.path, "site", "runs", "pong-ppo-lr-0-1-seed-1.html"),
  );
  match(page, /test figure/);
});

Deno.test("an invalid site spec exits 3 naming the JSON path", async () => {
  await using root = await tempDir();
  const deps = await fakeLogs(root.path);
  await Deno.writeTextFile(
    join(root.path, "bad.json"),
    '{"Pong": {"filter": "(", "description": 3}}',
  );
  const ctx = captureContext(undefined, root.path);
  const code = await withDeps(
    deps,
    () => runCli(["appendix", "logs", "--site-spec", "bad.json", "--out", "site"], ctx),
  );
  equal(code, 3);
  match(ctx.err(), /bad\.json: \$\.Pong\.filter: expected a regular expression/);
  match(ctx.err(), /bad\.json: \$\.Pong\.description: expected a string, found number 3/);
  ok(!(await Deno.stat(join(root.path, "site")).catch(() => null)), "nothing written");
});

Deno.test("a missing site spec exits 3, a bad --pue exits 2", async () => {
  await using root = await tempDir();
  const deps = await fakeLogs(root.path);
  const ctx = captureContext(undefined, root.path);
  equal(
    await withDeps(
      deps,
      () => runCli(["appendix", "logs", "--site-spec", "nope.json", "--out", "s"], ctx),
    ),
    3,
  );
  match(ctx.err(), /Cannot read nope\.json: it does not exist; check the path/);
  const ctx2 = captureContext(undefined, root.path);
  equal(
    await runCli(["appendix", "logs", "--site-spec", specPath, "--out", "s", "--pue", "0.5"], ctx2),
    2,
  );
  match(ctx2.err(), /PUE must be a number of at least 1, got "0\.5"/);
});

Deno.test({
  name: "impact appendix on real log directories: the index sums match readLogs",
  async fn() {
    await using root = await tempDir();
    await writeLogSet(join(root.path, "logs"), [
      {
        name: "pong/ppo/lr-0.1/seed-1",
        cpuWatts: 50,
        gpuWatts: [300],
        samples: 12,
        zone: "FR",
        labels: { lr: "0.1" },
      },
      {
        name: "pong/ppo/lr-0.3/seed-1",
        cpuWatts: 60,
        gpuWatts: [250],
        samples: 6,
        zone: "DE",
        labels: { lr: "0.3" },
      },
      { name: "breakout/a2c/seed-1", cpuWatts: 40, samples: 6 },
    ]);
    const ctx = captureContext(undefined, root.path);
    equal(
      await runCli(
        ["appendix", "logs", "--site-spec", specPath, "--out", "site", "--pue", "1.2"],
        ctx,
      ),
      0,
      ctx.err(),
    );
    const figures = await readLogs([join(root.path, "logs")], { pue: 1.2 });
    const index = await Deno.readTextFile(join(root.path, "site", "index.html"));
    const total = /id="total-energy" data-value="([^"]+)"/.exec(index)?.[1];
    ok(
      Math.abs(Number(total) - figures.total.energyKwh) < 1e-12,
      `${total} vs ${figures.total.energyKwh}`,
    );
    const pong = figures.runs.filter((r) => r.dir.includes("pong"));
    const sum = /data-metric="energy_kwh">[\s\S]*?data-stat="sum" data-value="([^"]+)"/.exec(index)
      ?.[1];
    ok(Math.abs(Number(sum) - pong.reduce((s, r) => s + r.energyKwh, 0)) < 1e-12);
  },
});

Deno.test("impact appendix --country shows that country's social cost, and refuses an unknown code", async () => {
  const usa = await appendixCommandDeps.load("USA");
  match(usa.socialCost?.source ?? "", /median for USA/);
  const world = await appendixCommandDeps.load();
  match(world.socialCost?.source ?? "", /global median/);
  equal(world.socialCost?.usdPerTonne, 417.51);
  const ctx = captureContext();
  const code = await runCli(
    ["appendix", "logs", "--site-spec", specPath, "--out", "site", "--country", "XYZ"],
    ctx,
  );
  equal(code, 3);
  match(ctx.err(), /XYZ/);
});

Deno.test("a site spec filter with nested quantifiers cannot hang the appendix; a refused one exits 3", async () => {
  await using root = await tempDir();
  await writeLogSet(join(root.path, "logs"), [
    { name: `pong/ppo/${"a".repeat(40)}`, cpuWatts: 100 },
    { name: "breakout/a2c/seed-1", cpuWatts: 100 },
  ]);
  const spec = join(root.path, "spec.json");
  await Deno.writeTextFile(
    spec,
    JSON.stringify({
      Evil: { filter: "(([a-z0-9._-]+/?)+)+!nomatch" },
      Pong: { filter: "pong/ppo" },
    }),
  );
  const ctx = captureContext(undefined, root.path);
  equal(
    await runCli(["appendix", "logs", "--site-spec", spec, "--out", "site"], ctx),
    0,
    ctx.err(),
  );
  match(ctx.out(), /for 2 runs in 2 sets/);
  await Deno.writeTextFile(spec, JSON.stringify({ Backref: { filter: "(a)\\1" } }));
  const refused = captureContext(undefined, root.path);
  equal(await runCli(["appendix", "logs", "--site-spec", spec, "--out", "site2"], refused), 3);
  match(refused.err(), /\$\.Backref\.filter: filter "\(a\)\\\\1" refused: invalid escape sequence/);
});

Deno.test("the appendix publishes no URL credentials, even from logs written before redaction", async () => {
  await using root = await tempDir();
  const [dir] = await writeLogSet(join(root.path, "logs"), [{ name: "pong/ppo/seed-1" }]);
  const infoPath = join(dir!, "impact.json");
  const info = JSON.parse(await Deno.readTextFile(infoPath));
  info.command = ["python", "train.py", "--data", "https://alice:hunter2@data.example/x"];
  info.region = {
    source: "--zone",
    zone: "GB",
    live: {
      provider: "uk",
      zone: "GB",
      everySeconds: 60,
      url: "https://u:s3cr3t@api.example/?token=t0k",
      polls: 1,
      failures: 0,
    },
  };
  await Deno.writeTextFile(infoPath, JSON.stringify(info, null, 2));
  const ctx = captureContext(undefined, root.path);
  equal(
    await runCli(["appendix", "logs", "--site-spec", specPath, "--out", "site"], ctx),
    0,
    ctx.err(),
  );
  const page = await Deno.readTextFile(join(root.path, "site", "runs", "seed-1.html"));
  const zip = unzipSync(
    await Deno.readFile(join(root.path, "site", "runs", "seed-1.zip")),
  );
  const published = new TextDecoder().decode(zip["seed-1/impact.json"]!);
  for (const secret of ["hunter2", "s3cr3t", "t0k"]) {
    ok(!page.includes(secret), `the page shows ${secret}`);
    ok(!published.includes(secret), `the zip holds ${secret}`);
  }
  match(published, /https:\/\/\*\*\*@data\.example\/x/);
});

Deno.test("impact appendix honours OVERRIDE_PUE as summary and statement do; --pue beats it", async () => {
  await using root = await tempDir();
  await writeLogSet(join(root.path, "logs"), [
    { name: "pong/ppo/lr-0.1/seed-1", cpuWatts: 50, gpuWatts: [300], samples: 6, zone: "FR" },
  ]);
  const totalKwh = async (env: Record<string, string>, flags: string[] = []) => {
    const ctx = captureContext(
      { ...denoRuntime, env: (name) => env[name] },
      root.path,
    );
    const out = `site-${crypto.randomUUID()}`;
    equal(
      await runCli(["appendix", "logs", "--site-spec", specPath, "--out", out, ...flags], ctx),
      0,
      ctx.err(),
    );
    const index = await Deno.readTextFile(join(root.path, out, "index.html"));
    return Number(/id="total-energy" data-value="([^"]+)"/.exec(index)?.[1]);
  };
  const at = async (pue: number) =>
    (await readLogs([join(root.path, "logs")], { pue })).total.energyKwh;
  ok(Math.abs(await totalKwh({ OVERRIDE_PUE: "1.4" }) - await at(1.4)) < 1e-12);
  ok(Math.abs(await totalKwh({ OVERRIDE_PUE: "1.4" }, ["--pue", "1.1"]) - await at(1.1)) < 1e-12);
  const ctx = captureContext({ ...denoRuntime, env: (name) => ({ OVERRIDE_PUE: "abc" })[name] });
  equal(
    await runCli([
      "appendix",
      join(root.path, "logs"),
      "--site-spec",
      specPath,
      "--out",
      join(root.path, "bad"),
    ], ctx),
    3,
  );
  match(ctx.err(), /OVERRIDE_PUE must be a number, got "abc"/);
});

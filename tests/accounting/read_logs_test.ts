import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { basename, join } from "node:path";
import { readLogs, type ReadLogsOptions } from "../../lib/accounting/read_logs.ts";
import { addFigures } from "../../lib/accounting/figures.ts";
import type { ZoneIntensity } from "../../lib/geo/types.ts";
import { type FixtureRun, frAndDeRuns, writeLogSet } from "../helpers/log_fixtures.ts";
import { tempDir } from "../helpers/temp_dir.ts";
import { testLogAccess } from "../helpers/log_access.ts";
import { fileLogAccess } from "../../lib/report/read_logs.ts";
import { denoRuntime } from "../../lib/runtime.ts";

function zoneRow(zone: string, country: string, grams: number, year = 2024): ZoneIntensity {
  return {
    zone,
    country,
    year,
    intensityGramsPerKwh: grams,
    source: "test table",
    licence: "test",
  };
}

const ZONES: Record<string, ZoneIntensity> = {
  FR: zoneRow("FR", "FRA", 50),
  DE: zoneRow("DE", "DEU", 400),
  "US-CAL-CISO": zoneRow("US-CAL-CISO", "USA", 250),
};
const COUNTRIES: Record<string, ZoneIntensity> = {
  WORLD: zoneRow("WORLD", "WLD", 480, 2023),
  USA: zoneRow("US", "USA", 380),
  FRA: ZONES.FR!,
};

function options(extra: Partial<ReadLogsOptions> = {}): ReadLogsOptions {
  return {
    intensity: (zone) => ZONES[zone],
    countryIntensity: (iso3) => COUNTRIES[iso3],
    logs: testLogAccess(),
    ...extra,
  };
}

Deno.test("per-run and total figures of a small log set, by hand", async () => {
  await using root = await tempDir();
  // a: 100 W x 36 s x 10 = 36,000 J = 0.01 kWh; x 1.5 = 0.015 kWh; x 50 g = 0.75 g.
  // b: 200 W x 36 s x 10 = 0.02 kWh; x 1.5 = 0.03 kWh; x 400 g = 12 g.
  await writeLogSet(root.path, frAndDeRuns());
  const logs = await readLogs([root.path], options({ pue: 1.5 }));
  equal(logs.runs.length, 2);
  equal(logs.runs[0]?.energyKwh, 0.015);
  equal(logs.runs[0]?.kgCO2e, 0.00075);
  equal(logs.runs[1]?.kgCO2e, 0.012);
  equal(logs.total.energyKwh, 0.045);
  equal(logs.total.kgCO2e, 0.01275);
  equal(logs.total.hours, 0.2);
  equal(logs.runs[1]?.zone, "DE");
  equal(logs.runs[1]?.pue, 1.5);
  equal(logs.runs[1]?.intensityYear, 2024);
  deepEqual(logs.warnings, []);
});

Deno.test(
  "unknown region: the world average, or the --country given, said in the notes",
  async () => {
    await using root = await tempDir();
    await writeLogSet(root.path, [{ name: "x", cpuWatts: 100, samples: 10, intervalSeconds: 36 }]);
    const world = await readLogs([root.path], options({ pue: 1 }));
    equal(world.runs[0]?.zone, undefined);
    equal(world.runs[0]?.kgCO2e, 0.0048); // 0.01 kWh x 480 g
    match(world.runs[0]!.notes.join("\n"), /region unknown; used the world average/);
    const usa = await readLogs([root.path], options({ pue: 1, fallbackCountry: "USA" }));
    equal(usa.runs[0]?.kgCO2e, 0.0038);
    match(usa.runs[0]!.notes.join("\n"), /region unknown; used the --country given \(USA\)/);
  },
);

Deno.test(
  "a cloud run brings its provider's PUE unless --pue or OVERRIDE_PUE says otherwise",
  async () => {
    await using root = await tempDir();
    await writeLogSet(root.path, [{
      cpuWatts: 100,
      samples: 10,
      intervalSeconds: 36,
      zone: "FR",
      cloud: { provider: "aws", region: "eu-west-3", pue: 1.2 },
    }]);
    equal((await readLogs([root.path], options())).runs[0]?.pue, 1.2);
    equal((await readLogs([root.path], options())).runs[0]?.energyKwh, 0.012);
    equal((await readLogs([root.path], options({ overridePue: "1.4" }))).runs[0]?.pue, 1.4);
    equal(
      (await readLogs([root.path], options({ overridePue: "1.4", pue: 1.1 }))).runs[0]?.pue,
      1.1,
    );
  },
);

Deno.test("live intensities weight the run interval by interval", async () => {
  await using root = await tempDir();
  await writeLogSet(root.path, [{
    cpuWatts: 100,
    samples: 4,
    intervalSeconds: 9000, // 0.25 kWh per interval at PUE 1
    zone: "DE",
    liveIntensities: [100, 200, 300],
  }]);
  const logs = await readLogs([root.path], options({ pue: 1 }));
  // 0.25 x (100 + 200 + 300) + 0.25 x 400 (the yearly DE value for the last interval).
  equal(logs.runs[0]?.kgCO2e, 0.25);
  equal(logs.runs[0]?.intensityGramsPerKwh, 250);
  match(logs.runs[0]!.intensitySource, /live: fixture-live; otherwise test table/);
});

Deno.test("a live-intensity run's files are each read once: its samples besides impact.json and summary.json", async () => {
  await using root = await tempDir();
  await writeLogSet(root.path, [{
    cpuWatts: 100,
    samples: 4,
    intervalSeconds: 9000,
    zone: "DE",
    liveIntensities: [100, 200, 300],
  }]);
  const reads = new Map<string, number>();
  const counting = {
    ...denoRuntime,
    readTextFile: (path: string) => {
      reads.set(basename(path), (reads.get(basename(path)) ?? 0) + 1);
      return denoRuntime.readTextFile(path);
    },
  };
  const logs = await readLogs([root.path], options({ pue: 1, logs: fileLogAccess(counting) }));
  equal(logs.runs[0]?.kgCO2e, 0.25);
  deepEqual(Object.fromEntries(reads), {
    "impact.json": 1,
    "summary.json": 1,
    "samples.jsonl": 1,
  });
});

function randomRun(i: number): FixtureRun {
  const zones = ["FR", "DE", "US-CAL-CISO", undefined];
  const zone = zones[Math.floor(Math.random() * zones.length)];
  const gpus = Math.floor(Math.random() * 3);
  const samples = 1 + Math.floor(Math.random() * 8);
  return {
    name: `group-${i % 3}/run-${i}`,
    cpuWatts: 1 + Math.random() * 120,
    cpuMethod: Math.random() < 0.3 ? "estimate" : "counter",
    gpuWatts: Array.from({ length: gpus }, () => Math.random() * 400),
    samples,
    intervalSeconds: 0.5 + Math.random() * 20,
    attributedShare: Math.random(),
    ...(zone ? { zone } : {}),
    ...(Math.random() < 0.2 ? { liveIntensities: [Math.random() * 500, Math.random() * 500] } : {}),
    ...randomGaps(gpus, samples),
  };
}

/** A device lost for a while (a GPU when there is one), an old log's stop, or nothing. */
function randomGaps(gpus: number, samples: number): Pick<FixtureRun, "gaps" | "samplingError"> {
  const roll = Math.random();
  if (roll < 0.3) {
    return {
      gaps: [{
        device: gpus > 0 ? `gpu-${gpus - 1}` : "package-0",
        fromSample: Math.floor(Math.random() * samples),
        reason: Math.random() < 0.5 ? "GPU is lost (NVML error 15)" : "nvidia-smi exited",
      }],
    };
  }
  if (roll < 0.45) {
    return {
      samplingError: {
        afterSamples: Math.floor(Math.random() * samples),
        message: "nvidia-smi exited twice",
      },
    };
  }
  return {};
}

Deno.test(
  "readLogs is additive over random splits: figures of [a, b] = [a] + [b], exactly",
  async () => {
    await using root = await tempDir();
    const dirs = await writeLogSet(root.path, Array.from({ length: 24 }, (_, i) => randomRun(i)));
    const opts = options();
    const whole = await readLogs([root.path], opts);
    equal(whole.total.runs, 24);
    equal(whole.total.runsWithGaps, whole.runs.filter((r) => r.gaps.length > 0).length);
    for (let trial = 0; trial < 8; trial++) {
      const shuffled = [...dirs].sort(() => Math.random() - 0.5);
      const cut = 1 + Math.floor(Math.random() * (dirs.length - 1));
      const a = await readLogs(shuffled.slice(0, cut), opts);
      const b = await readLogs(shuffled.slice(cut), opts);
      deepEqual(addFigures(a.total, b.total), whole.total);
    }
    // The groups found recursively add up too.
    const groups = await Promise.all(
      [0, 1, 2].map((g) => readLogs([join(root.path, `group-${g}`)], opts)),
    );
    deepEqual(
      addFigures(addFigures(groups[0]!.total, groups[1]!.total), groups[2]!.total),
      whole.total,
    );
  },
);

Deno.test(
  "every total says how much was measured and how much estimated",
  async () => {
    await using root = await tempDir();
    await writeLogSet(root.path, [
      { name: "m", cpuWatts: 100, samples: 10, intervalSeconds: 36, zone: "FR" },
      {
        name: "e",
        cpuWatts: 100,
        cpuMethod: "estimate",
        samples: 10,
        intervalSeconds: 36,
        zone: "FR",
      },
    ]);
    const logs = await readLogs([root.path], options({ pue: 1 }));
    equal(logs.total.measuredEnergyKwh, 0.01);
    equal(logs.total.estimatedEnergyKwh, 0.01);
    equal(logs.total.runsWithoutCpuCounter, 1);
  },
);

Deno.test("a killed run is recomputed from its samples and says so", async () => {
  await using root = await tempDir();
  await writeLogSet(root.path, [{ cpuWatts: 100, samples: 10, intervalSeconds: 36, zone: "FR" }], {
    omitSummary: true,
  });
  const logs = await readLogs([root.path], options({ pue: 1 }));
  equal(logs.runs[0]?.energyKwh, 0.01);
  ok(logs.runs[0]?.summary.recomputed);
  match(logs.runs[0]!.notes.join("\n"), /recomputed from the samples/);
  match(logs.warnings.join("\n"), /summary\.json/);
});

Deno.test(
  "corrupt sample lines are skipped with file:line and counted in the warnings",
  async () => {
    await using root = await tempDir();
    const [dir] = await writeLogSet(
      root.path,
      [{ cpuWatts: 100, samples: 4, intervalSeconds: 36, zone: "FR" }],
      { insertLines: [{ at: 2, text: "{not json" }], truncatedLastLine: true },
    );
    const logs = await readLogs([root.path], options({ pue: 1, readSamples: "always" }));
    equal(logs.warnings.length, 2);
    ok(logs.warnings.some((w) => w.includes(`${join(dir!, "samples.jsonl")}:2`)));
    ok(logs.warnings.some((w) => w.includes(`${join(dir!, "samples.jsonl")}:6`)));
    match(logs.runs[0]!.notes.join("\n"), /2 unusable sample line/);
  },
);

Deno.test("a run's gaps are its figures: per run, in total; a log without gaps has none", async () => {
  await using root = await tempDir();
  // a: GPU 1 lost for the last 4 of 10 intervals of 36 s (144 s); b: written before gaps.
  await writeLogSet(root.path, [
    {
      name: "a",
      gpuWatts: [300, 300],
      samples: 10,
      intervalSeconds: 36,
      zone: "FR",
      gaps: [{ device: "gpu-1", fromSample: 6 }],
    },
    { name: "b", cpuWatts: 100, samples: 10, intervalSeconds: 36, zone: "FR" },
  ]);
  const logs = await readLogs([root.path], options({ pue: 1 }));
  deepEqual(logs.runs[0]?.gaps, [{
    component: "gpu",
    device: "gpu-1",
    from: "2024-03-01T12:03:36.000Z",
    to: "2024-03-01T12:06:00.000Z",
    seconds: 144,
    reason: "GPU is lost (NVML error 15)",
  }]);
  equal(logs.runs[0]?.unmeasuredDeviceHours, 0.04);
  equal(logs.runs[0]?.runsWithGaps, 1);
  deepEqual(logs.runs[1]?.gaps, []);
  equal(logs.runs[1]?.unmeasuredDeviceHours, 0);
  equal(logs.total.runsWithGaps, 1);
  equal(logs.total.unmeasuredDeviceHours, 0.04);
});

Deno.test(
  "an old log whose sampling stopped (samplingError) has every device unmeasured to its end",
  async () => {
    await using root = await tempDir();
    // Sampling stopped after 4 of 10 intervals of 36 s: 216 s lost, for the CPU and the GPU.
    await writeLogSet(root.path, [{
      cpuWatts: 100,
      gpuWatts: [300],
      samples: 10,
      intervalSeconds: 36,
      zone: "FR",
      samplingError: { afterSamples: 4, message: "nvidia-smi exited twice" },
    }]);
    // The fast path (summaries only) still reads this run's samples to find where it stopped.
    const logs = await readLogs([root.path], options({ pue: 1 }));
    const gaps = logs.runs[0]!.gaps;
    deepEqual(gaps.map((g) => [g.device, g.from, g.to, g.seconds]), [
      ["package-0", "2024-03-01T12:02:24.000Z", "2024-03-01T12:06:00.000Z", 216],
      ["gpu-0", "2024-03-01T12:02:24.000Z", "2024-03-01T12:06:00.000Z", 216],
    ]);
    equal(gaps[0]?.reason, "measurement stopped early: nvidia-smi exited twice");
    equal(logs.total.unmeasuredDeviceHours, 0.12);
    equal(logs.total.runsWithGaps, 1);
  },
);

Deno.test("a folder with no log directories is an error naming it", async () => {
  await using root = await tempDir();
  await rejects(readLogs([root.path], options()), /No log directories .* under /);
});

Deno.test("an unusable log directory is left out and counted; the others are the totals", async () => {
  await using root = await tempDir();
  const [, de] = await writeLogSet(root.path, frAndDeRuns());
  const bad = JSON.parse(await Deno.readTextFile(join(de!, "impact.json")));
  bad.start = 5;
  await Deno.writeTextFile(join(de!, "impact.json"), JSON.stringify(bad, null, 2));
  const logs = await readLogs([root.path], options({ pue: 1 }));
  equal(logs.runs.length, 1);
  equal(logs.total.energyKwh, 0.01);
  deepEqual(logs.leftOut, { runs: 1, sampleLines: 0 });
  ok(logs.warnings.some((w) =>
    w.startsWith(`${join(de!, "impact.json")}:`) &&
    w.endsWith('field "start" is number 5, not an ISO 8601 time; run left out')
  ));
  ok(logs.warnings.includes(
    "1 of 2 log directories left out of the totals (unusable, named above)",
  ));
});

Deno.test("with nothing usable left, readLogs fails naming why", async () => {
  await using root = await tempDir();
  const [dir] = await writeLogSet(root.path, [{}]);
  await Deno.writeTextFile(join(dir!, "impact.json"), '{"schemaVersion": 1, "tool": []}');
  await rejects(
    readLogs([root.path], options()),
    new RegExp(
      `No usable log directory among the 1 found: .*impact\\.json:1: field "tool" is a list`,
    ),
  );
});

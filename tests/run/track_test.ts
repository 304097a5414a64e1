import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { track } from "../../lib/run/track.ts";
import { readLogDir } from "../../lib/log/read.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import type { Discovery } from "../../lib/sensors/registry.ts";
import { FakeSensor } from "../helpers/fake_sensors.ts";
import { isolatedEnv } from "../helpers/cli_process.ts";
import { tempDir } from "../helpers/temp_dir.ts";

function discoveryOf(sensor: FakeSensor): Discovery {
  return {
    sensors: [sensor],
    statuses: [{
      sensor: sensor.name,
      available: true,
      methods: ["counter"],
      devices: ["package-0"],
    }],
    cpu: { model: "Test CPU" },
    gpus: [],
    close: () => sensor.close(),
  };
}

async function waitFor(check: () => boolean) {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

Deno.test("track() with await using samples this process and writes the summary", async () => {
  const dir = await Deno.makeTempDir();
  const sensor = new FakeSensor("rapl", denoRuntime, [
    { component: "cpu", device: "package-0", powerWatts: 20 },
  ]);
  try {
    const logDir = join(dir, "tracked");
    {
      await using tracker = await track(logDir, {
        intervalSeconds: 0.05,
        captureEnv: false,
        labels: { experiment: "unit" },
        discovery: discoveryOf(sensor),
      });
      await waitFor(() => (tracker.latest() !== undefined));
      const latest = tracker.latest();
      ok(latest);
      equal(latest.devices[0]!.device, "package-0");
    }
    equal(sensor.closed, 1);
    const log = await readLogDir(logDir);
    equal(log.summary.recomputed, undefined);
    equal(log.info.labels.experiment, "unit");
    equal(log.info.cpu.model, "Test CPU");
    equal(log.info.options.usedIntervalSeconds, 0.05);
    ok(log.samples.length >= 2);
    // 20 W over the sampled time (the fake counts from its own start, a few ms apart).
    const sampled = log.samples.reduce((s, r) => s + r.intervalSeconds, 0);
    const joules = log.summary.totals.machineEnergyJoules;
    ok(Math.abs(joules - 20 * sampled) < 0.05 * joules, `${joules} J over ${sampled} s`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a sensor failure is a gap on the tracker, and sampling goes on", async () => {
  const dir = await Deno.makeTempDir();
  // Read 4 is the second interval's (after a warm-up and the baseline read).
  const sensor = new FakeSensor("rapl", denoRuntime, [
    { component: "cpu", device: "package-0", powerWatts: 20 },
  ], { failOnRead: 4 });
  try {
    const tracker = await track(join(dir, "t"), {
      intervalSeconds: 0.05,
      captureEnv: false,
      discovery: discoveryOf(sensor),
    });
    // Measured again after the gap: a good read retakes the baseline, the next one counts.
    await waitFor(() => sensor.reads >= 7);
    const gaps = tracker.gaps();
    deepEqual(gaps.map((g) => [g.component, g.device, g.reason]), [
      ["cpu", "package-0", "rapl: energy_uj vanished"],
    ]);
    ok(tracker.latest()?.devices.some((d) => d.device === "package-0"));
    const summary = await tracker.stop();
    ok(summary.samples >= 4);
    equal(summary.gaps?.length, 1);
    ok(summary.components[0]!.unmeasuredSeconds! > 0);
    const log = await readLogDir(tracker.logDir);
    equal(log.info.samplingError, undefined);
    deepEqual(log.samples[1]!.gaps, [{
      component: "cpu",
      device: "package-0",
      reason: "rapl: energy_uj vanished",
    }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("track() records no URL credentials in its labels, and blanks its redact matches", async () => {
  await using dir = await tempDir();
  const sensor = new FakeSensor("rapl", denoRuntime, [
    { component: "cpu", device: "package-0", powerWatts: 20 },
  ]);
  const logDir = join(dir.path, "tracked");
  const tracker = await track(logDir, {
    intervalSeconds: 0.05,
    captureEnv: false,
    labels: { dataset: "https://alice:hunter2@data.example.org/corpus", run: "secret-42" },
    redact: [/secret-\d+/g],
    discovery: discoveryOf(sensor),
  });
  const atStart = await Deno.readTextFile(join(logDir, "impact.json"));
  await tracker.stop();
  const atEnd = await Deno.readTextFile(join(logDir, "impact.json"));
  for (const text of [atStart, atEnd]) {
    for (const secret of ["hunter2", "secret-42"]) ok(!text.includes(secret), secret);
  }
  const info = JSON.parse(atEnd);
  equal(info.labels.dataset, "https://***@data.example.org/corpus");
  equal(info.labels.run, "***");
  equal(info.exitCode, null, "the end's version");
});

Deno.test("track() records no URL credentials from the tracked process's command line", async () => {
  await using dir = await tempDir();
  const logDir = join(dir.path, "tracked");
  const child = fileURLToPath(new URL("../helpers/track_child.ts", import.meta.url));
  const url = "https://bob:s3cr3t@data.example.org/x?api_key=k3y&zone=DE";
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", child, logDir, "--data", url],
    env: isolatedEnv(dir.path),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const text = await Deno.readTextFile(join(logDir, "impact.json"));
  for (const secret of ["s3cr3t", "k3y"]) ok(!text.includes(secret), secret);
  const info = JSON.parse(text);
  deepEqual(info.command.slice(-2), [
    "--data",
    "https://***@data.example.org/x?api_key=***&zone=DE",
  ]);
});

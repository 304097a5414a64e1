import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { track } from "../../lib/run/track.ts";
import { readLogDir } from "../../lib/log/read.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import type { Discovery } from "../../lib/sensors/registry.ts";
import { FakeSensor } from "../helpers/fake_sensors.ts";

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

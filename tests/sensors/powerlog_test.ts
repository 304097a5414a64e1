import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { runtimeWithChildEnv } from "../helpers/fake_executable.ts";
import { fixturePath } from "../helpers/fixture_files.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import { createPowerLogSensor } from "../../lib/sensors/powerlog.ts";
import { SensorError } from "../../lib/sensors/types.ts";
import { readEnergies } from "../helpers/fake_sensors.ts";

const FAKE = fixturePath("powerlog_fake");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const runtimeWith = runtimeWithChildEnv;

Deno.test("the sensor runs PowerLog once and reads cumulative package and DRAM energy", async () => {
  const tmp = await Deno.makeTempDir();
  const runtime = runtimeWith({ FAKE_POWERLOG_PKG_MW: "25000", FAKE_POWERLOG_DRAM_MW: "3000" });
  const sensor = createPowerLogSensor(
    { ...runtime, env: (name) => name === "TMPDIR" ? tmp : runtime.env(name) },
    { resolutionMs: 50, executable: FAKE, probeDurationSeconds: 0.1 },
  );
  try {
    const status = await sensor.probe();
    equal(status.available, true);
    deepEqual(status.methods, ["counter"]);
    deepEqual(status.devices, ["package-0", "dram-0"]);
    const t0 = performance.now();
    await sensor.start();
    await sleep(400);
    const elapsed = (performance.now() - t0) / 1000;
    const [pkg, dram] = await readEnergies(sensor);
    const untilRead = (performance.now() - t0) / 1000;
    equal(pkg!.device, "package-0");
    equal(pkg!.powerWatts, 25);
    // PowerLog's rows lie inside [start(), read()] and cover most of it (the last row trails
    // the read by about one resolution; more on a loaded machine).
    ok(pkg!.energyJoules <= 25 * (untilRead + 0.001), `${pkg!.energyJoules} J in ${untilRead} s`);
    ok(pkg!.energyJoules >= 25 * elapsed * 0.5, `${pkg!.energyJoules} J in ${elapsed} s`);
    ok(Math.abs(dram!.energyJoules / pkg!.energyJoules - 3 / 25) < 0.01);
  } finally {
    await sensor.close();
    // close() removed PowerLog's file and the probe's.
    deepEqual([...Deno.readDirSync(tmp)], []);
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("PowerLog missing or failing is unavailable with the reason", async () => {
  const missing = await createPowerLogSensor(denoRuntime, {
    resolutionMs: 100,
    executable: "/nonexistent/PowerLog",
  }).probe();
  equal(missing.available, false);
  equal(missing.reason, "PowerLog was not found at /nonexistent/PowerLog");
  match(missing.fix!, /Intel Power Gadget/);
  const failing = await createPowerLogSensor(
    runtimeWith({ FAKE_POWERLOG_FAIL: "Intel Power Gadget driver is not loaded" }),
    { resolutionMs: 100, executable: FAKE },
  ).probe();
  equal(failing.available, false);
  equal(failing.reason, "PowerLog exited with code 1: Intel Power Gadget driver is not loaded");
});

Deno.test("PowerLog ending during the run makes read() throw SensorError", async () => {
  const sensor = createPowerLogSensor(denoRuntime, {
    resolutionMs: 30,
    executable: FAKE,
    probeDurationSeconds: 0.05,
    durationSeconds: 0.1,
  });
  try {
    await sensor.start();
    await sleep(400);
    const error = await sensor.read().catch((e) => e);
    ok(error instanceof SensorError);
    match(error.message, /powerlog: PowerLog exited with code 0 during the run/);
  } finally {
    await sensor.close();
  }
  await rejects(sensor.read(), /read\(\) before start\(\)/);
});

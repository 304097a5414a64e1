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

Deno.test("the live file is read as PowerLog appends it: a cut line waits, a replaced file is read anew, a bad line stays an error", async () => {
  const tmp = await Deno.makeTempDir();
  let file = "";
  // The probe runs the fake PowerLog; the run's PowerLog is a sleeper, and the test writes its
  // file the way PowerLog does, a row at a time and a row cut short while it is written.
  const sensor = createPowerLogSensor({
    ...denoRuntime,
    env: (name) => name === "TMPDIR" ? tmp : denoRuntime.env(name),
    spawn(_command, options) {
      file = options!.args![options!.args!.indexOf("-file") + 1]!;
      return denoRuntime.spawn("sleep", { ...options, args: ["60"] });
    },
  }, { resolutionMs: 50, executable: FAKE, probeDurationSeconds: 0.1 });
  const header =
    '"System Time","Elapsed Time (sec)","Processor Power_0(Watt)","Cumulative Processor Energy_0(Joules)"\n';
  const row = (seconds: number, joules: number) =>
    `"10:00:0${seconds}:000","${seconds}.000","  12.500","${joules.toFixed(3)}"\n`;
  const packageJoules = async () =>
    (await readEnergies(sensor)).find((d) => d.device === "package-0")?.energyJoules;
  try {
    await sensor.start();
    await Deno.writeTextFile(file, header + row(1, 12.5) + row(2, 25).slice(0, 20));
    equal(await packageJoules(), 12.5);
    await Deno.writeTextFile(file, row(2, 25).slice(20) + row(3, 37.5), { append: true });
    equal(await packageJoules(), 37.5);
    // A new, shorter file in its place (PowerLog only appends, so it is not the same file).
    await Deno.writeTextFile(file, header + row(1, 4));
    equal(await packageJoules(), 4);
    await Deno.writeTextFile(file, '"10:00:02:000","2.000","  12.500","lots"\n', { append: true });
    await rejects(sensor.read(), /line 3.*Cumulative Processor Energy_0/);
    await Deno.writeTextFile(file, row(3, 8), { append: true });
    await rejects(sensor.read(), /line 3.*Cumulative Processor Energy_0/);
  } finally {
    await sensor.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

import { deepEqual, equal, match, ok, rejects, throws } from "node:assert/strict";
import { runtimeWithChildEnv } from "../helpers/fake_executable.ts";
import { fixturePath, readFixture } from "../helpers/fixture_files.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import {
  createPowerLogSensor,
  parsePowerLog,
  powerLogDevices,
  splitQuotedCsv,
} from "../../lib/sensors/powerlog.ts";
import { SensorError } from "../../lib/sensors/types.ts";

const fixture = readFixture;
const FAKE = fixturePath("powerlog_fake");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const runtimeWith = runtimeWithChildEnv;

Deno.test("splitQuotedCsv unquotes, trims padding and keeps commas inside quotes", () => {
  deepEqual(splitQuotedCsv('"12:00:01:005","   2.500"," 75","a, b","say ""hi"""'), [
    "12:00:01:005",
    "2.500",
    "75",
    "a, b",
    'say "hi"',
  ]);
});

Deno.test("a finished PowerLog file gives energy per domain from its footer", async () => {
  const log = parsePowerLog(await fixture("powerlog_laptop.csv"), "powerlog_laptop.csv");
  equal(log.rows.length, 5);
  equal(log.rows[1]!.get("Processor Power_0(Watt)"), 30.5);
  equal(log.rows[0]!.get("System Time"), "09:30:10:250");
  equal(log.elapsedSeconds, 5.0004);
  equal(log.footer.get("Measured RDTSC Frequency (GHz)"), 2.4);
  deepEqual(log.energy, [
    { domain: "Processor", packageIndex: 0, energyJoules: 68.6251 },
    { domain: "IA", packageIndex: 0, energyJoules: 58.0003 },
    { domain: "DRAM", packageIndex: 0, energyJoules: 3.4502 },
    { domain: "GT", packageIndex: 0, energyJoules: 0.0601 },
  ]);
  // Package and DRAM only: IA and GT lie inside the package.
  deepEqual(powerLogDevices(log.energy).map((d) => [d.component, d.device, d.method]), [
    ["cpu", "package-0", "counter"],
    ["dram", "dram-0", "counter"],
  ]);
});

Deno.test("a file still being written uses its last complete row, mWh where joules are missing", async () => {
  const text = await fixture("powerlog_running_2pkg.csv");
  throws(
    () => parsePowerLog(text, "running.csv"),
    /running.csv line 4: expected 11 columns but found 3/,
  );
  const log = parsePowerLog(text, "running.csv", { partial: true });
  equal(log.footer.size, 0);
  equal(log.elapsedSeconds, 1);
  const byDomain = Object.fromEntries(
    log.energy.map((d) => [`${d.domain}_${d.packageIndex}`, d.energyJoules]),
  );
  equal(byDomain["Processor_0"], 62);
  equal(byDomain["Processor_1"], 54);
  equal(byDomain["DRAM_0"], 6);
  ok(Math.abs(byDomain["DRAM_1"]! - 6.3) < 1e-9);
  deepEqual(powerLogDevices(log.energy).map((d) => d.device), [
    "package-0",
    "package-1",
    "dram-0",
    "dram-1",
  ]);
});

Deno.test("a broken value names the file, line and column", () => {
  const text = '"Elapsed Time (sec)","Cumulative Processor Energy_0(Joules)"\n"1.0","oops"\n';
  throws(
    () => parsePowerLog(text, "x.csv"),
    /x.csv line 2: column "Cumulative Processor Energy_0\(Joules\)" is not a number: "oops"/,
  );
  throws(() => parsePowerLog('"Time","Power"\n', "y.csv"), /y.csv line 1: expected a header/);
});

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
    const [pkg, dram] = await sensor.read();
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

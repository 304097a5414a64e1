import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { runtimeWithChildEnv, writeExecutable } from "../helpers/fake_executable.ts";
import { fixturePath, readFixture } from "../helpers/fixture_files.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import {
  createPowermetricsSensor,
  parsePowermetrics,
  PowermetricsParser,
} from "../../lib/sensors/powermetrics.ts";
import { SensorError } from "../../lib/sensors/types.ts";

const fixture = readFixture;
const FAKE = fixturePath("powermetrics_fake");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const runtimeWith = runtimeWithChildEnv;

Deno.test("macOS 13+ output: CPU, GPU, ANE and Combined power per sample, GPU once", async () => {
  const samples = parsePowermetrics(await fixture("powermetrics_m2_macos14.txt"));
  deepEqual(samples, [
    {
      elapsedMs: 1002.5,
      time: "Mon Mar  3 09:15:40 2025 +0200",
      cpuWatts: 3.12,
      gpuWatts: 0.41,
      aneWatts: 0,
      combinedWatts: 3.53,
    },
    {
      elapsedMs: 997.5,
      time: "Mon Mar  3 09:15:41 2025 +0200",
      cpuWatts: 1.88,
      gpuWatts: 0.095,
      aneWatts: 0.012,
      combinedWatts: 1.987,
    },
  ]);
});

Deno.test("macOS 12 output: DRAM and Package power, cluster powers ignored", async () => {
  const samples = parsePowermetrics(await fixture("powermetrics_m1_macos12.txt"));
  equal(samples.length, 3);
  deepEqual(samples[0], {
    elapsedMs: 250,
    time: "Tue Feb  4 10:20:30 2025 -0500",
    aneWatts: 0,
    dramWatts: 0.31,
    cpuWatts: 1.1,
    gpuWatts: 0.24,
    packageWatts: 1.65,
  });
  // CPU energy over the three windows: 1.1 x 0.25 + 0.3 x 0.25 + 0.1 x 0.5 J.
  const cpuJoules = samples.reduce((sum, s) => sum + s.cpuWatts! * s.elapsedMs / 1000, 0);
  ok(Math.abs(cpuJoules - 0.4) < 1e-12);
});

Deno.test("the streaming parser completes a sample at its Combined line", () => {
  const parser = new PowermetricsParser();
  deepEqual(
    parser.push(
      "*** Sampled system activity (Tue Feb  4 10:20:30 2025 -0500) (101.25ms elapsed) ***",
    ),
    [],
  );
  deepEqual(parser.push("CPU Power: 640 mW"), []);
  deepEqual(parser.push("Combined Power (CPU + GPU + ANE): 700 mW"), [
    {
      elapsedMs: 101.25,
      time: "Tue Feb  4 10:20:30 2025 -0500",
      cpuWatts: 0.64,
      combinedWatts: 0.7,
    },
  ]);
  deepEqual(parser.push("GPU Power: 60 mW"), []);
  deepEqual(parser.end(), []);
});

Deno.test("a broken power value names the line and the field", () => {
  const text = "*** Sampled system activity (x) (100ms elapsed) ***\nCPU Power: lots mW\n";
  throws(() => parsePowermetrics(text), /powermetrics line 2: CPU Power "lots" is not a number/);
});

Deno.test("the sensor integrates each sample over its own elapsed window", async () => {
  const sensor = createPowermetricsSensor(
    runtimeWith({ FAKE_PM_CPU_MW: "4000", FAKE_PM_GPU_MW: "1500", FAKE_PM_ANE_MW: "250" }),
    { intervalMs: 50, executable: FAKE },
  );
  try {
    const status = await sensor.probe();
    equal(status.available, true);
    deepEqual(status.devices, ["package-0", "gpu-0", "ane-0"]);
    const t0 = performance.now();
    await sensor.start();
    const zero = await sensor.read();
    deepEqual(zero.map((d) => d.energyJoules), [0, 0, 0]);
    await sleep(500);
    const elapsed = (performance.now() - t0) / 1000;
    const [cpu, gpu, ane] = await sensor.read();
    const untilRead = (performance.now() - t0) / 1000;
    deepEqual([cpu!.component, gpu!.component, ane!.component], ["cpu", "gpu", "cpu"]);
    equal(cpu!.method, "integrated");
    equal(cpu!.powerWatts, 4);
    // The sample windows lie inside [start(), read()] and cover most of it (they trail the
    // clock by about one interval; more on a loaded machine).
    ok(cpu!.energyJoules <= 4 * (untilRead + 0.001), `${cpu!.energyJoules} J in ${untilRead} s`);
    ok(cpu!.energyJoules >= 4 * elapsed * 0.5, `${cpu!.energyJoules} J in ${elapsed} s`);
    ok(Math.abs(gpu!.energyJoules / cpu!.energyJoules - 1500 / 4000) < 1e-9);
    ok(Math.abs(ane!.energyJoules / cpu!.energyJoules - 250 / 4000) < 1e-9);
  } finally {
    await sensor.close();
  }
});

Deno.test("without root, and with sudo -n refused, the reason says powermetrics needs sudo", async () => {
  const status = await createPowermetricsSensor(runtimeWith({ FAKE_PM_NOT_ROOT: "1" }), {
    intervalMs: 100,
    executable: FAKE,
    sudo: "/nonexistent/sudo",
  }).probe();
  equal(status.available, false);
  match(status.reason!, /powermetrics needs root \(sudo\)/);
  match(status.fix!, /sudo impact run/);
});

Deno.test("sudo -n is used when it works", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A stand-in sudo: drops -n and runs the command as root would, without FAKE_PM_NOT_ROOT.
    const fakeSudo = await writeExecutable(
      dir,
      "sudo",
      '#!/bin/sh\n[ "$1" = -n ] && shift\nFAKE_PM_NOT_ROOT=0 exec "$@"\n',
    );
    const sensor = createPowermetricsSensor(runtimeWith({ FAKE_PM_NOT_ROOT: "1" }), {
      intervalMs: 30,
      executable: FAKE,
      sudo: fakeSudo,
    });
    const status = await sensor.probe();
    equal(status.available, true);
    deepEqual((status.detail!.command as string[]).slice(0, 3), [fakeSudo, "-n", FAKE]);
    await sensor.start();
    await sleep(150);
    ok((await sensor.read())[0]!.energyJoules > 0);
    await sensor.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("powermetrics missing is unavailable; ending mid-run is a SensorError", async () => {
  const missing = await createPowermetricsSensor(denoRuntime, {
    intervalMs: 100,
    executable: "/nonexistent/powermetrics",
  }).probe();
  equal(missing.available, false);
  equal(missing.reason, "powermetrics was not found at /nonexistent/powermetrics");
  const dir = await Deno.makeTempDir();
  try {
    // Answers the probe, then dies after two samples of the run.
    const dying = await writeExecutable(
      dir,
      "powermetrics",
      `#!/bin/sh\ncase "$*" in *"-n 1"*) exec ${FAKE} "$@";; esac\n${FAKE} "$@" -n 2\necho "powermetrics: sampling stopped" >&2\nexit 3\n`,
    );
    const sensor = createPowermetricsSensor(denoRuntime, { intervalMs: 20, executable: dying });
    try {
      await sensor.start();
      await sleep(300);
      const error = await sensor.read().catch((e) => e);
      ok(error instanceof SensorError);
      match(error.message, /ended with exit code 3 during the run: powermetrics: sampling stopped/);
    } finally {
      await sensor.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

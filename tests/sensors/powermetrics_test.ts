import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runtimeWithChildEnv, writeExecutable } from "../helpers/fake_executable.ts";
import { fixturePath } from "../helpers/fixture_files.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import { createPowermetricsSensor } from "../../lib/sensors/powermetrics.ts";
import { SensorError } from "../../lib/sensors/types.ts";
import { readEnergies } from "../helpers/fake_sensors.ts";

const FAKE = fixturePath("powermetrics_fake");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const runtimeWith = runtimeWithChildEnv;

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
    const zero = await readEnergies(sensor);
    deepEqual(zero.map((d) => d.energyJoules), [0, 0, 0]);
    await sleep(500);
    const elapsed = (performance.now() - t0) / 1000;
    const [cpu, gpu, ane] = await readEnergies(sensor);
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
    // Samples every 30 ms; a loaded machine may take longer to print the second one.
    let joules = 0;
    for (const deadline = Date.now() + 5_000; joules === 0 && Date.now() < deadline;) {
      await sleep(30);
      joules = (await readEnergies(sensor))[0]!.energyJoules;
    }
    await sensor.close();
    ok(joules > 0, "no energy within 5 s of start() through the stand-in sudo");
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

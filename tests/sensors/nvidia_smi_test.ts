import { deepEqual, equal, match, ok, rejects, throws } from "node:assert/strict";
import { runtimeWithChildEnv, writeExecutable } from "../helpers/fake_executable.ts";
import { fixturePath } from "../helpers/fixture_files.ts";
import { tempDir } from "../helpers/temp_dir.ts";
import { systemPaths } from "../../lib/runtime.ts";
import { createNvidiaSmiSensor } from "../../lib/sensors/nvidia_smi.ts";
import { SensorError } from "../../lib/sensors/types.ts";
import { readEnergies } from "../helpers/fake_sensors.ts";
import type { DeviceEnergy } from "../../lib/types.ts";

const FAKE = fixturePath("fake-nvidia-smi");

const runtimeWith = runtimeWithChildEnv;

function sensorWith(
  env: Record<string, string>,
  options: { intervalMs: number; appsIntervalMs?: number } = { intervalMs: 50 },
  executable = FAKE,
) {
  const runtime = runtimeWith(env);
  return createNvidiaSmiSensor(
    runtime,
    { ...systemPaths(runtime), nvidiaSmi: executable },
    options,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- parsers -------------------------------------------------------------------------

Deno.test("probe records name, uuid, driver and CUDA versions and the power limit", async () => {
  const sensor = sensorWith({ FAKE_SMI_GPUS: "2", FAKE_SMI_POWER_LIMIT_W: "350" });
  const status = await sensor.probe();
  equal(status.available, true);
  deepEqual(status.methods, ["integrated"]);
  deepEqual(status.devices, ["gpu-0", "gpu-1"]);
  deepEqual(sensor.gpus()[1], {
    index: 1,
    name: "NVIDIA A100-SXM4-80GB",
    uuid: "GPU-f0e1d2c3-0000-4000-8000-000000000001",
    driverVersion: "550.54.15",
    cudaVersion: "12.4",
    powerLimitWatts: 350,
  });
  deepEqual(status.detail?.powerFields, ["power.draw.instant", "power.draw.average", "power.draw"]);
  await sensor.close();
});

Deno.test("an old driver that rejects power.draw.instant falls back to power.draw", async () => {
  const sensor = sensorWith({ FAKE_SMI_OLD_DRIVER: "1", FAKE_SMI_POWER_W: "80" });
  // Without --version on that driver, the CUDA version comes from the old -q -x layout.
  const status = await sensor.probe();
  equal(status.available, true);
  deepEqual(status.detail?.powerFields, ["power.draw"]);
  equal(sensor.gpus()[0]!.driverVersion, "470.82.01");
  equal(sensor.gpus()[0]!.cudaVersion, "11.4");
  equal(sensor.gpus()[0]!.powerLimitWatts, 400);
  await sensor.start();
  await sleep(200);
  const [gpu] = await readEnergies(sensor);
  equal(gpu!.powerWatts, 80);
  ok(gpu!.energyJoules > 0);
  await sensor.close();
});

Deno.test("a driver missing only power.draw.average keeps power.draw.instant", async () => {
  const log = await Deno.makeTempFile();
  const sensor = sensorWith(
    { FAKE_SMI_UNKNOWN_FIELDS: "power.draw.average", FAKE_SMI_LOG: log },
    { intervalMs: 1000 },
  );
  try {
    const status = await sensor.probe();
    deepEqual(status.detail?.powerFields, ["power.draw.instant", "power.draw"]);
    // The CUDA version came from the fast --version; -q -x was not needed.
    equal(sensor.gpus()[0]!.cudaVersion, "12.4");
    const calls = await Deno.readTextFile(log);
    ok(calls.includes("--version"));
    ok(!calls.includes("-q -x"));
  } finally {
    await Deno.remove(log);
  }
});

Deno.test("missing nvidia-smi and an unreachable driver are unavailable with the reason", async () => {
  const missing = sensorWith({}, { intervalMs: 50 }, "/nonexistent/nvidia-smi");
  const status = await missing.probe();
  equal(status.available, false);
  match(status.reason!, /nvidia-smi was not found \(looked for \/nonexistent\/nvidia-smi\)/);
  match(status.fix!, /IMPACT_NVIDIA_SMI/);
  const noDriver = await sensorWith({ FAKE_SMI_NO_DRIVER: "1" }).probe();
  equal(noDriver.available, false);
  match(noDriver.reason!, /couldn't communicate with the NVIDIA driver/);
});

Deno.test("output the parser cannot read makes the sensor unavailable, naming the line", async () => {
  await using dir = await tempDir();
  const odd = await writeExecutable(
    dir.path,
    "nvidia-smi",
    "#!/bin/sh\necho 'Some unexpected banner'\n",
  );
  const status = await sensorWith({}, { intervalMs: 50 }, odd).probe();
  equal(status.available, false);
  match(status.reason!, /nvidia-smi printed something unexpected: .* line 1: expected 8 fields/);
});

Deno.test("the driver version is recorded as printed: 595.80 stays 595.80", async () => {
  await using dir = await tempDir();
  // Values of the RTX 4000 Ada in the 595 capture (nvidia-smi_q_x_rtx4000ada_v13_drv595.xml.txt),
  // with a driver version whose last digit is 0.
  const smi = await writeExecutable(
    dir.path,
    "nvidia-smi",
    `#!/bin/sh
case "$1" in
  --query-gpu=*) echo "0, GPU-37037c3f-65c8-ec4d-24a9-420204ad8026, NVIDIA RTX 4000 SFF Ada Generation, 595.80, 70.00, 8.44, 8.81, 8.81" ;;
  --version) printf 'NVIDIA-SMI version  : 595.80\\nNVML version        : 595.80\\nDRIVER version      : 595.80\\nCUDA Version        : 13.2\\n' ;;
  *) exit 2 ;;
esac
`,
  );
  const sensor = sensorWith({}, { intervalMs: 50 }, smi);
  const status = await sensor.probe();
  equal(status.detail?.driverVersion, "595.80");
  deepEqual(sensor.gpus(), [{
    index: 0,
    name: "NVIDIA RTX 4000 SFF Ada Generation",
    uuid: "GPU-37037c3f-65c8-ec4d-24a9-420204ad8026",
    driverVersion: "595.80",
    cudaVersion: "13.2",
    powerLimitWatts: 70,
  }]);
  await sensor.close();
});

Deno.test("energy matches the injected watts x time within 0.5%, per GPU", async () => {
  const log = await Deno.makeTempFile();
  const sensor = sensorWith({
    FAKE_SMI_GPUS: "2",
    FAKE_SMI_POWER_W: "250,75.5",
    FAKE_SMI_LOG: log,
  });
  try {
    const beforeStart = performance.now();
    await sensor.start();
    const t0 = performance.now();
    await sleep(600);
    const middle = await readEnergies(sensor);
    await sleep(600);
    const t1 = performance.now();
    const end = await readEnergies(sensor);
    const afterRead = performance.now();
    // The sensor counts from inside start() to inside read(): between [t0, t1] and
    // [beforeStart, afterRead], each within 0.5%, however promptly a loaded machine runs us.
    const least = (t1 - t0) / 1000 * 0.995;
    const most = (afterRead - beforeStart) / 1000 * 1.005;
    const [gpu0, gpu1] = end;
    for (const [gpu, watts] of [[gpu0!, 250], [gpu1!, 75.5]] as const) {
      ok(gpu.energyJoules >= watts * least, `${gpu.device}: ${gpu.energyJoules} J`);
      ok(gpu.energyJoules <= watts * most, `${gpu.device}: ${gpu.energyJoules} J`);
    }
    ok(middle[0]!.energyJoules < gpu0!.energyJoules);
    equal(gpu0!.method, "integrated");
    equal(gpu0!.utilization, 0.5);
    equal(gpu0!.memoryUsedBytes, 1024 * 1024 * 1024);
    equal(gpu1!.uuid, "GPU-f0e1d2c3-0000-4000-8000-000000000001");
    // One stream for the whole run, not one spawn per sample.
    const streams = (await Deno.readTextFile(log)).split("\n").filter((l) => l.includes("-lms"));
    equal(streams.length, 1);
  } finally {
    await sensor.close();
    await Deno.remove(log);
  }
});

Deno.test("[N/A] utilisation keeps the power; [N/A] average power uses another field", async () => {
  const sensor = sensorWith({
    FAKE_SMI_NA_FIELDS:
      "utilization.gpu,power.draw.instant=[Not Supported],memory.used=[Unknown Error]",
    FAKE_SMI_POWER_W: "120",
  });
  try {
    const status = await sensor.probe();
    deepEqual(status.detail?.powerFields, ["power.draw.average", "power.draw"]);
    await sensor.start();
    await sleep(200);
    const [gpu] = await readEnergies(sensor);
    equal(gpu!.powerWatts, 120);
    ok(gpu!.energyJoules > 0);
    equal(gpu!.utilization, undefined);
    equal(gpu!.memoryUsedBytes, undefined);
  } finally {
    await sensor.close();
  }
});

Deno.test("a GPU with no power reading at all is unavailable, not a silent zero", async () => {
  const status = await sensorWith({
    FAKE_SMI_NA_FIELDS: "power.draw,power.draw.instant,power.draw.average",
  }).probe();
  equal(status.available, false);
  match(status.reason!, /power draw is not reported by these GPUs .*\[N\/A\]/);
});

Deno.test("compute-apps pids are given per GPU", async () => {
  const sensor = sensorWith(
    {
      FAKE_SMI_GPUS: "3",
      FAKE_SMI_APPS: "GPU-f0e1d2c3-0000-4000-8000-000000000002:4242,0:77:512,2:78",
    },
    { intervalMs: 50, appsIntervalMs: 100 },
  );
  try {
    await sensor.start();
    await sleep(100);
    const devices = await readEnergies(sensor);
    deepEqual(devices.map((d) => d.processIds), [[77], [], [4242, 78]]);
  } finally {
    await sensor.close();
  }
});

Deno.test("a stream that dies makes read() reject until restart() brings a new one", async () => {
  const marker = `${await Deno.makeTempDir()}/died`;
  const warnings: string[] = [];
  const log = await Deno.makeTempFile();
  const runtime = runtimeWith({
    FAKE_SMI_DIE_AFTER_LINES: "3",
    FAKE_SMI_DIE_ONCE: marker,
    FAKE_SMI_POWER_W: "40",
    FAKE_SMI_LOG: log,
  });
  const sensor = createNvidiaSmiSensor(runtime, { ...systemPaths(runtime), nvidiaSmi: FAKE }, {
    intervalMs: 30,
    onWarning: (m) => warnings.push(m),
  });
  try {
    await sensor.start();
    const before = (await readEnergies(sensor))[0]!.energyJoules;
    // Wait for the death (3 rows): read() rejects, every time, until restarted.
    for (let i = 0; i < 150 && warnings.length === 0; i++) await sleep(20);
    match(warnings[0]!, /^nvidia-smi: the -lms stream ended with exit code 15: .*GPU is lost/);
    const error = await sensor.read().catch((e) => e);
    ok(error instanceof SensorError);
    equal(error.message, warnings[0]);
    await rejects(sensor.read(), SensorError);
    await sensor.restart!();
    await sleep(150);
    const after = (await readEnergies(sensor))[0]!;
    equal(after.powerWatts, 40);
    ok(after.energyJoules > before, "cumulative energy goes on from where it was");
    const streams = (await Deno.readTextFile(log)).split("\n").filter((l) => l.includes("-lms"));
    equal(streams.length, 2);
    equal(warnings.length, 1);
  } finally {
    await sensor.close();
    await Deno.remove(marker.replace(/\/died$/, ""), { recursive: true });
    await Deno.remove(log);
  }
});

Deno.test("restart() of a stream that cannot start rejects with the reason", async () => {
  await using dir = await tempDir();
  const smi = `${dir.path}/nvidia-smi`;
  await Deno.copyFile(FAKE, smi);
  const sensor = sensorWith({ FAKE_SMI_DIE_AFTER_LINES: "1" }, { intervalMs: 20 }, smi);
  try {
    await sensor.start();
    await Deno.remove(smi); // the driver was uninstalled under us
    await rejects(sensor.restart!(), /nvidia-smi: the -lms stream could not be started/);
    await rejects(sensor.read(), /could not be started/);
  } finally {
    await sensor.close();
  }
});

Deno.test("restart() before start() or after close() rejects and starts no stream", async () => {
  const sensor = sensorWith({});
  try {
    equal((await sensor.probe()).available, true);
    await rejects(sensor.restart!(), /nvidia-smi: restart\(\) before start\(\)/);
    await sensor.start();
    await sensor.close();
    await rejects(sensor.restart!(), /nvidia-smi: restart\(\) before start\(\)/);
  } finally {
    await sensor.close();
  }
});

Deno.test("a stream that stops printing makes read() throw instead of extrapolating", async () => {
  const runtime = runtimeWith({ FAKE_SMI_HANG_AFTER_LINES: "2" });
  const sensor = createNvidiaSmiSensor(runtime, { ...systemPaths(runtime), nvidiaSmi: FAKE }, {
    intervalMs: 20,
    staleAfterMs: 600,
  });
  try {
    await sensor.start();
    let energyJoules = 0;
    for (let i = 0; i < 25 && energyJoules === 0; i++) {
      await sleep(20);
      energyJoules = (await readEnergies(sensor))[0]!.energyJoules;
    }
    ok(energyJoules > 0);
    await sleep(800);
    await rejects(sensor.read(), /nvidia-smi: the -lms stream has printed no row for 0\.\d s/);
  } finally {
    await sensor.close();
  }
});

Deno.test("a GPU printed as [GPU is lost] is a failed device; the others are read", async () => {
  const sensor = sensorWith({
    FAKE_SMI_GPUS: "3",
    FAKE_SMI_LOST_GPUS: "1",
    FAKE_SMI_POWER_W: "70",
  });
  try {
    await sensor.start();
    await sleep(150);
    const readings = await sensor.read();
    deepEqual(readings[1], {
      component: "gpu",
      device: "gpu-1",
      failure: "nvidia-smi printed [GPU is lost] for gpu-1",
    });
    deepEqual(
      [readings[0], readings[2]].map((r) => r && "powerWatts" in r ? r.powerWatts : r),
      [70, 70],
    );
  } finally {
    await sensor.close();
  }
});

Deno.test("close() ends the stream child and can be called twice", async () => {
  const log = await Deno.makeTempFile();
  const sensor = sensorWith({ FAKE_SMI_LOG: log });
  try {
    await sensor.start();
    await sleep(100);
    await sensor.close();
    await sensor.close();
    const stream = (await Deno.readTextFile(log)).split("\n").find((l) => l.includes("-lms"));
    const pid = Number(stream!.split(" ")[0]);
    // The child was signalled and reaped: no process with its pid is left.
    throws(() => Deno.kill(pid, "SIGCONT"));
  } finally {
    await Deno.remove(log);
  }
});

/**
 * Reads a 2-GPU stream whose 3rd round prints `watts` for gpu-1: the first read that reports
 * it, the first after it that does not, and one more 200 ms later.
 */
async function readAcrossGlitch(watts: string) {
  const sensor = sensorWith({ FAKE_SMI_GPUS: "2", FAKE_SMI_GLITCH: `3:${watts}:1` });
  const readUntil = async (done: (readings: DeviceEnergy[]) => boolean) => {
    for (let i = 0; i < 100; i++) {
      await sleep(50);
      const readings = await readEnergies(sensor);
      if (done(readings)) return readings;
    }
    throw new Error("the stream never got there");
  };
  try {
    await sensor.start();
    const glitched = await readUntil((r) => r[1]!.rebased !== undefined);
    const clean = await readUntil((r) => r[1]!.rebased === undefined);
    const before = performance.now();
    await sleep(200);
    const after = await readEnergies(sensor);
    return { glitched, clean, after, seconds: (performance.now() - before) / 1000 };
  } finally {
    await sensor.close();
  }
}

for (
  const [watts, reason] of [
    ["-300", /-300 W is negative|power\.draw[.a-z]* is -300/],
    ["1000000", /1000000 W is above 800 W \(2 x its 400 W power limit\)/],
  ] as const
) {
  Deno.test(`a row with ${watts} W is a gap for that GPU, never a power booked or held`, async () => {
    const { glitched, clean, after, seconds } = await readAcrossGlitch(watts);
    // gpu-1's read covering the row is rebased with the reason; gpu-0 is read as usual.
    equal(glitched[0]!.rebased, undefined);
    match(glitched[1]!.rebased ?? "", reason);
    // Afterwards gpu-1 counts its 100 W again, from a rebased value.
    equal(after[1]!.rebased, undefined);
    const step = after[1]!.energyJoules - clean[1]!.energyJoules;
    ok(step > 0 && step <= 100 * seconds * 1.05, `${step} J in ${seconds} s`);
    ok(after.every((r) => Number.isFinite(r.energyJoules) && r.energyJoules >= 0));
  });
}

Deno.test("each GPU's bound is recorded in the status: twice its power limit", async () => {
  const sensor = sensorWith({ FAKE_SMI_POWER_LIMIT_W: "350" });
  const status = await sensor.probe();
  deepEqual(status.detail?.plausible, {
    "gpu-0": { plausibleMaxWatts: 700, plausibleBasis: "2 x its 350 W power limit" },
  });
  await sensor.close();
});

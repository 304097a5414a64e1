import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { denoRuntime, systemPaths } from "../../lib/runtime.ts";
import { createNvmlSensor } from "../../lib/sensors/nvml.ts";
import { SensorError } from "../../lib/sensors/types.ts";

const STUB_SOURCE = fileURLToPath(new URL("../fixtures/nvml_stub.c", import.meta.url));

/** Compiles the stub NVML library once for this file; undefined when there is no `cc`. */
async function buildStub(): Promise<{ library: string; dir: string } | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "impact-nvml-" });
  const library = `${dir}/libnvidia-ml-stub.so`;
  try {
    const out = await new Deno.Command("cc", {
      args: ["-shared", "-fPIC", "-o", library, STUB_SOURCE],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return { library, dir };
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

const stub = await buildStub();
if (!stub) {
  console.warn("nvml_test: no C compiler (`cc`) found, so the NVML stub tests are skipped");
}
globalThis.addEventListener("unload", () => {
  if (stub) Deno.removeSync(stub.dir, { recursive: true });
});

const STUB_VARS = [
  "STUB_NVML_INIT_ERROR",
  "STUB_NVML_GPUS",
  "STUB_NVML_ENERGY_MJ_PER_CALL",
  "STUB_NVML_ENERGY_MJ_PER_S",
  "STUB_NVML_NO_ENERGY",
  "STUB_NVML_POWER_MW",
  "STUB_NVML_FAIL_GPU",
  "STUB_NVML_FAIL_AFTER",
  "STUB_NVML_PROCS",
];

/** A sensor on the stub, with the stub's settings in this process's environment (it reads them at init). */
function stubSensor(env: Record<string, string>, library = stub!.library) {
  for (const name of STUB_VARS) Deno.env.delete(name);
  for (const [name, value] of Object.entries(env)) Deno.env.set(name, value);
  return createNvmlSensor(denoRuntime, { ...systemPaths(denoRuntime), nvmlLibrary: library });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: !stub, fn });

test("probe records the GPUs, driver and CUDA versions and the counter method", async () => {
  const sensor = stubSensor({ STUB_NVML_GPUS: "2" });
  try {
    const status = await sensor.probe();
    equal(status.available, true);
    deepEqual(status.methods, ["counter"]);
    deepEqual(status.devices, ["gpu-0", "gpu-1"]);
    deepEqual(sensor.gpus()[1], {
      index: 1,
      name: "NVIDIA Stub H100 80GB HBM3",
      uuid: "GPU-5705b000-0000-4000-8000-000000000001",
      driverVersion: "560.35.03",
      cudaVersion: "12.6",
      powerLimitWatts: 700,
    });
  } finally {
    await sensor.close();
  }
});

test("the energy counter gives exact deltas since start()", async () => {
  const sensor = stubSensor({ STUB_NVML_GPUS: "2", STUB_NVML_ENERGY_MJ_PER_CALL: "1500" });
  try {
    await sensor.start();
    await sensor.read();
    await sensor.read();
    const devices = await sensor.read();
    // Each read advances GPU i's counter by 1500 mJ x (i + 1).
    deepEqual(devices.map((d) => d.energyJoules), [4.5, 9]);
    deepEqual(devices.map((d) => d.method), ["counter", "counter"]);
    equal(devices[0]!.powerWatts, 150);
    equal(devices[0]!.utilization, 0.87);
    equal(devices[1]!.memoryUsedBytes, 21474836481);
    equal(devices[1]!.uuid, "GPU-5705b000-0000-4000-8000-000000000001");
  } finally {
    await sensor.close();
  }
});

test("without an energy counter, power is integrated over time", async () => {
  const sensor = stubSensor({ STUB_NVML_NO_ENERGY: "1", STUB_NVML_POWER_MW: "212500" });
  try {
    const status = await sensor.probe();
    deepEqual(status.methods, ["integrated"]);
    match(status.reason!, /no energy counter: their power is integrated/);
    const beforeStart = performance.now();
    await sensor.start();
    const t0 = performance.now();
    await sleep(400);
    const t1 = performance.now();
    const [gpu] = await sensor.read();
    const afterRead = performance.now();
    equal(gpu!.method, "integrated");
    // The integration window lies between [t0, t1] and [beforeStart, afterRead]: bracketing
    // it keeps the check exact without depending on how promptly a loaded machine runs us.
    const joules = gpu!.energyJoules;
    ok(joules >= 212.5 * (t1 - t0) / 1000 * 0.995, `${joules}`);
    ok(joules <= 212.5 * (afterRead - beforeStart) / 1000 * 1.005, `${joules}`);
  } finally {
    await sensor.close();
  }
});

test("compute processes are read with the v3 struct layout, past the first buffer", async () => {
  const many = Array.from({ length: 11 }, (_, i) => `0:${30000 + i}`).join(",");
  const sensor = stubSensor({ STUB_NVML_GPUS: "3", STUB_NVML_PROCS: `${many},2:4242` });
  try {
    await sensor.start();
    const devices = await sensor.read();
    deepEqual(devices[0]!.processIds, Array.from({ length: 11 }, (_, i) => 30000 + i));
    deepEqual(devices[1]!.processIds, []);
    deepEqual(devices[2]!.processIds, [4242]);
  } finally {
    await sensor.close();
  }
});

test("a GPU that fails after start makes read() throw SensorError naming it", async () => {
  const sensor = stubSensor({
    STUB_NVML_GPUS: "2",
    STUB_NVML_FAIL_GPU: "1",
    STUB_NVML_FAIL_AFTER: "2",
  });
  try {
    await sensor.start();
    const error = await sensor.read().catch((e) => e);
    ok(error instanceof SensorError);
    match(error.message, /^nvml: gpu-1 energy counter: GPU is lost \(NVML error 15\)$/);
  } finally {
    await sensor.close();
  }
});

test("a library that does not load or init is unavailable with the reason", async () => {
  const missing = await stubSensor({}, "/nonexistent/libnvidia-ml.so.1").probe();
  equal(missing.available, false);
  match(missing.reason!, /the NVML library \/nonexistent\/libnvidia-ml.so.1 did not load/);
  match(missing.fix!, /nvidia-smi is used instead/);
  const sensor = stubSensor({ STUB_NVML_INIT_ERROR: "9" });
  const noDriver = await sensor.probe();
  equal(noDriver.available, false);
  equal(noDriver.reason, "nvmlInit_v2 failed: Driver Not Loaded (NVML error 9)");
  await rejects(sensor.start(), /nvml: nvmlInit_v2 failed/);
  await sensor.close();
});

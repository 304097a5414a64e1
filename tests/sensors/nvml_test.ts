import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { denoRuntime, systemPaths } from "../../lib/runtime.ts";
import { createNvmlSensor } from "../../lib/sensors/nvml.ts";
import type { ProcessLayout } from "../../lib/sensors/nvml_abi.ts";
import { readEnergies } from "../helpers/fake_sensors.ts";
import { buildNvmlStubs, STUB_BRANCHES } from "../helpers/nvml_stub.ts";

const BRANCHES = STUB_BRANCHES;
const stubs = await buildNvmlStubs();
if (!stubs) {
  console.warn("nvml_test: no C compiler (`cc`) found, so the NVML stub tests are skipped");
}
globalThis.addEventListener("unload", () => {
  if (stubs) Deno.removeSync(stubs.dir, { recursive: true });
});

const STUB_VARS = [
  "STUB_NVML_INIT_ERROR",
  "STUB_NVML_GPUS",
  "STUB_NVML_ENERGY_MJ_PER_CALL",
  "STUB_NVML_ENERGY_MJ_PER_S",
  "STUB_NVML_ENERGY_START_MJ",
  "STUB_NVML_ENERGY_ERROR",
  "STUB_NVML_POWER_MW",
  "STUB_NVML_MODULE_MW",
  "STUB_NVML_FAIL_GPU",
  "STUB_NVML_FAIL_AFTER",
  "STUB_NVML_HANDLE_ERRORS",
  "STUB_NVML_MIG_GPUS",
  "STUB_NVML_MIG_DEVICES",
  "STUB_NVML_RESET",
  "STUB_NVML_PROCS",
];

/** A sensor on the stub, with the stub's settings in this process's environment (it reads them at init). */
function stubSensor(env: Record<string, string>, branch = 580065, library?: string) {
  for (const name of STUB_VARS) Deno.env.delete(name);
  for (const [name, value] of Object.entries(env)) Deno.env.set(name, value);
  const nvmlLibrary = library ?? stubs!.libraries.get(branch)!;
  return createNvmlSensor(denoRuntime, { ...systemPaths(denoRuntime), nvmlLibrary });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: !stubs, fn });

test("probe records the GPUs, driver and CUDA versions and the counter method", async () => {
  const sensor = stubSensor({ STUB_NVML_GPUS: "2" });
  try {
    const status = await sensor.probe();
    equal(status.available, true);
    deepEqual(status.methods, ["counter"]);
    deepEqual(status.devices, ["gpu-0", "gpu-1"]);
    equal(status.reason, undefined);
    deepEqual(sensor.gpus()[1], {
      index: 1,
      name: "NVIDIA Stub H100 80GB HBM3",
      uuid: "GPU-5705b000-0000-4000-8000-000000000001",
      driverVersion: "580.65.06",
      cudaVersion: "13.0",
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
    await readEnergies(sensor);
    await readEnergies(sensor);
    const devices = await readEnergies(sensor);
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

/** Reads `sensor` from start() for 400 ms and checks its integrated energy at `watts`. */
async function expectIntegrated(sensor: ReturnType<typeof stubSensor>, watts: number) {
  const beforeStart = performance.now();
  await sensor.start();
  const t0 = performance.now();
  await sleep(400);
  const t1 = performance.now();
  const [gpu] = await readEnergies(sensor);
  const afterRead = performance.now();
  equal(gpu!.method, "integrated");
  // The integration window lies between [t0, t1] and [beforeStart, afterRead]: bracketing
  // it keeps the check exact without depending on how promptly a loaded machine runs us.
  const joules = gpu!.energyJoules;
  ok(joules >= watts * (t1 - t0) / 1000 * 0.995, `${joules}`);
  ok(joules <= watts * (afterRead - beforeStart) / 1000 * 1.005, `${joules}`);
}

test("without an energy counter, power is integrated over time", async () => {
  const sensor = stubSensor({ STUB_NVML_ENERGY_ERROR: "3", STUB_NVML_POWER_MW: "212500" });
  try {
    const status = await sensor.probe();
    deepEqual(status.methods, ["integrated"]);
    equal(
      status.reason,
      "gpu-0: no energy counter (Not Supported (NVML error 3)), so its power is integrated",
    );
    await expectIntegrated(sensor, 212.5);
  } finally {
    await sensor.close();
  }
});

test("an energy-counter error other than NOT_SUPPORTED also falls back to power", async () => {
  const sensor = stubSensor({ STUB_NVML_ENERGY_ERROR: "999", STUB_NVML_POWER_MW: "80000" });
  try {
    const status = await sensor.probe();
    equal(status.available, true);
    deepEqual(status.methods, ["integrated"]);
    match(status.reason!, /gpu-0: no energy counter \(Unknown Error \(NVML error 999\)\)/);
    await expectIntegrated(sensor, 80);
  } finally {
    await sensor.close();
  }
});

test("compute processes are read past the first buffer", async () => {
  const many = Array.from({ length: 20 }, (_, i) => `0:${30000 + i}`).join(",");
  const sensor = stubSensor({ STUB_NVML_GPUS: "3", STUB_NVML_PROCS: `${many},2:4242` });
  try {
    await sensor.start();
    const devices = await readEnergies(sensor);
    deepEqual(devices[0]!.processIds, Array.from({ length: 20 }, (_, i) => 30000 + i));
    deepEqual(devices[1]!.processIds, []);
    deepEqual(devices[2]!.processIds, [4242]);
  } finally {
    await sensor.close();
  }
});

for (const { branch, driver, call, entry } of BRANCHES) {
  test(`driver ${driver}: every GPU the job may open is counted, and its pid is read last of 9`, async () => {
    // GPU 1 runs 8 other processes, then the job; GPU 2 lies outside the job's cgroup.
    const others = Array.from({ length: 8 }, (_, i) => 51000 + i * 7);
    const procs = [
      "0:61001",
      "0:61002",
      ...others.map((pid) => `1:${pid}`),
      `1:${Deno.pid}`,
    ];
    const sensor = stubSensor({
      STUB_NVML_GPUS: "3",
      STUB_NVML_HANDLE_ERRORS: "2:4",
      STUB_NVML_ENERGY_MJ_PER_CALL: "1000",
      STUB_NVML_PROCS: procs.join(","),
    }, branch);
    try {
      const status = await sensor.probe();
      equal(status.available, true);
      deepEqual(status.methods, ["counter"]);
      deepEqual(status.devices, ["gpu-0", "gpu-1"]);
      equal(status.detail?.driverVersion, driver);
      const { call: used, entryBytes } = status.detail?.processInfo as ProcessLayout;
      deepEqual([used, entryBytes], [call, entry]);
      await sensor.start();
      await readEnergies(sensor);
      const devices = await readEnergies(sensor);
      deepEqual(devices.map((d) => [d.device, d.method, d.energyJoules]), [
        ["gpu-0", "counter", 2],
        ["gpu-1", "counter", 4],
      ]);
      deepEqual(devices[0]!.processIds, [61001, 61002]);
      deepEqual(devices[1]!.processIds, [...others, Deno.pid]);
    } finally {
      await sensor.close();
    }
  });
}

test("a GPU the job may not open, or a lost one, is left out with its reason", async () => {
  const sensor = stubSensor({ STUB_NVML_GPUS: "3", STUB_NVML_HANDLE_ERRORS: "1:4,2:15" });
  try {
    const status = await sensor.probe();
    equal(status.available, true);
    deepEqual(status.devices, ["gpu-0"]);
    deepEqual(sensor.gpus().map((g) => g.index), [0]);
    const skipped = [
      "gpu-1: nvmlDeviceGetHandleByIndex_v2 failed: Insufficient Permissions (NVML error 4); this job may not open it (outside its device cgroup, as under SLURM)",
      "gpu-2: nvmlDeviceGetHandleByIndex_v2 failed: GPU is lost (NVML error 15)",
    ];
    deepEqual(status.detail?.skipped, skipped);
    equal(status.reason, `Some GPUs were left out: ${skipped.join("; ")}`);
    await sensor.start();
    deepEqual((await readEnergies(sensor)).map((d) => d.device), ["gpu-0"]);
  } finally {
    await sensor.close();
  }
});

test("when the job may open no GPU, NVML is unavailable and says why", async () => {
  const sensor = stubSensor({ STUB_NVML_GPUS: "2", STUB_NVML_HANDLE_ERRORS: "0:4,1:4" });
  const status = await sensor.probe();
  equal(status.available, false);
  match(
    status.reason!,
    /^no GPU gives energy or power through NVML \(gpu-0: .*NVML error 4.*; gpu-1:/,
  );
  await sensor.close();
});

test("MIG mode is recorded per GPU and its missing utilisation breaks nothing", async () => {
  const sensor = stubSensor({
    STUB_NVML_GPUS: "2",
    STUB_NVML_MIG_GPUS: "0",
    STUB_NVML_ENERGY_MJ_PER_CALL: "500",
  });
  try {
    const status = await sensor.probe();
    const detail = status.detail?.gpuDetail as Record<string, { migMode?: string }>;
    deepEqual([detail["gpu-0"]!.migMode, detail["gpu-1"]!.migMode], ["enabled", "disabled"]);
    await sensor.start();
    const devices = await readEnergies(sensor);
    deepEqual(devices.map((d) => [d.method, d.energyJoules, d.utilization]), [
      ["counter", 0.5, undefined],
      ["counter", 1, 0.87],
    ]);
  } finally {
    await sensor.close();
  }
  // Before R450 there is no MIG and no nvmlDeviceGetMigMode: nothing is recorded.
  const old = stubSensor({}, 440033);
  const detail = (await old.probe()).detail?.gpuDetail as Record<string, object>;
  equal("migMode" in detail["gpu-0"]!, false);
  await old.close();
});

test("a MIG GPU lists its MIG devices by UUID, each with its share of the GPU's compute", async () => {
  // GPU 1 is split into a 3g, a 2g and a 1g slice (one slot of 7 left empty in between).
  const sensor = stubSensor({
    STUB_NVML_GPUS: "2",
    STUB_NVML_MIG_GPUS: "1",
    STUB_NVML_MIG_DEVICES: "1:3,1:2,1:1",
  });
  try {
    await sensor.probe();
    const [whole, split] = sensor.gpus();
    equal(whole!.migDevices, undefined);
    equal(split!.migMode, "enabled");
    deepEqual(split!.migDevices, [
      {
        uuid: "MIG-5705b000-0000-4000-9000-000000100000",
        index: 0,
        share: 3 / 7,
        shareBasis: "3 of 7 compute slices",
        multiprocessorCount: 42,
        gpuInstanceSliceCount: 3,
      },
      {
        uuid: "MIG-5705b000-0000-4000-9000-000000100001",
        index: 1,
        share: 2 / 7,
        shareBasis: "2 of 7 compute slices",
        multiprocessorCount: 28,
        gpuInstanceSliceCount: 2,
      },
      {
        uuid: "MIG-5705b000-0000-4000-9000-000000100002",
        index: 2,
        share: 1 / 7,
        shareBasis: "1 of 7 compute slices",
        multiprocessorCount: 14,
        gpuInstanceSliceCount: 1,
      },
    ]);
  } finally {
    await sensor.close();
  }
});

test("a counter that goes back (driver reload) counts nothing for that interval and is reported", async () => {
  const warnings: string[] = [];
  for (const name of STUB_VARS) Deno.env.delete(name);
  Deno.env.set("STUB_NVML_GPUS", "2");
  Deno.env.set("STUB_NVML_ENERGY_MJ_PER_CALL", "1000");
  // probe() and start() make GPU 0's first two counter reads; its 4th (the second read())
  // finds the counter restarted at 5000 mJ (plus this call's 1000).
  Deno.env.set("STUB_NVML_RESET", "0:3:5000");
  const sensor = createNvmlSensor(
    denoRuntime,
    { ...systemPaths(denoRuntime), nvmlLibrary: stubs!.libraries.get(580065)! },
    { onWarning: (m) => warnings.push(m) },
  );
  try {
    await sensor.start();
    const reads = [];
    for (let i = 0; i < 3; i++) reads.push(await readEnergies(sensor));
    deepEqual(reads.map((r) => r.map((d) => d.energyJoules)), [[1, 2], [1, 4], [2, 6]]);
    // The read that saw it says so: the sampler records that interval as a gap.
    deepEqual(reads.map((r) => r[0]!.rebased), [
      undefined,
      "energy counter went back from 123459789 to 6000 mJ (driver reload?)",
      undefined,
    ]);
    const resets = sensor.counterResets();
    equal(resets.length, 1);
    deepEqual(
      { ...resets[0]!, atMs: 0 },
      { device: "gpu-0", atMs: 0, beforeMillijoules: 123459789, afterMillijoules: 6000 },
    );
    deepEqual(warnings, sensor.warnings());
    match(warnings[0]!, /^nvml: gpu-0 energy counter went back from 123459789 to 6000 mJ/);
  } finally {
    await sensor.close();
  }
});

test("module power (GH200) is recorded beside GPU power where the driver has power scopes", async () => {
  const scopes = async (env: Record<string, string>, branch?: number) => {
    const sensor = stubSensor(env, branch);
    const detail = (await sensor.probe()).detail?.gpuDetail as Record<
      string,
      { powerScopes?: unknown }
    >;
    await sensor.close();
    return detail["gpu-0"]!.powerScopes;
  };
  deepEqual(await scopes({ STUB_NVML_POWER_MW: "87880", STUB_NVML_MODULE_MW: "169770" }), {
    gpu: 87.88,
    module: 169.77,
  });
  deepEqual(await scopes({ STUB_NVML_POWER_MW: "87880" }), {
    gpu: 87.88,
    module: "Not Supported (NVML error 3)",
  });
  deepEqual(await scopes({}, 470199), {
    gpu: "Not Supported (NVML error 3)",
    module: "Not Supported (NVML error 3)",
  });
});

test("a GPU lost after the start is a failed device in each read; the others are read", async () => {
  const sensor = stubSensor({
    STUB_NVML_GPUS: "3",
    STUB_NVML_FAIL_GPU: "1",
    STUB_NVML_FAIL_AFTER: "2", // probe's and start()'s counter reads succeed
    STUB_NVML_ENERGY_MJ_PER_CALL: "1000",
  });
  try {
    await sensor.start();
    for (let i = 0; i < 2; i++) {
      const readings = await sensor.read();
      deepEqual(readings[1], {
        component: "gpu",
        device: "gpu-1",
        failure: "nvmlDeviceGetTotalEnergyConsumption failed: GPU is lost (NVML error 15)",
      });
      deepEqual(
        [readings[0], readings[2]].map((r) => r && "energyJoules" in r ? r.energyJoules : r),
        [1 * (i + 1), 3 * (i + 1)],
      );
    }
  } finally {
    await sensor.close();
  }
});

test("a library that does not load or init is unavailable with the reason", async () => {
  const missing = await stubSensor({}, 580065, "/nonexistent/libnvidia-ml.so.1").probe();
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

test("a counter that jumps ahead by more than the GPU can use is a gap, not 10^12 J", async () => {
  // probe() and start() read the counter twice; the 4th call (the second read()) finds it at
  // 10^15 mJ: a billion kJ in a few ms, with a 700 W limit.
  const sensor = stubSensor({
    STUB_NVML_ENERGY_MJ_PER_CALL: "1000",
    STUB_NVML_RESET: "0:3:1000000000000000",
  });
  try {
    await sensor.start();
    const reads = [];
    for (let i = 0; i < 3; i++) reads.push((await readEnergies(sensor))[0]!);
    deepEqual(reads.map((r) => r.energyJoules), [1, 1, 2]);
    equal(reads[0]!.rebased, undefined);
    match(
      reads[1]!.rebased ?? "",
      /^energy counter jumped from 123459789 to 1000000000001000 mJ: 999999876541 J in 0\.\d{3} s is more than the device can use \(at most 1400 W: 2 x its 700 W power limit\)$/,
    );
    equal(reads[2]!.rebased, undefined);
    match(sensor.warnings()[0]!, /gpu-0 energy counter jumped .* recorded as a gap/);
  } finally {
    await sensor.close();
  }
});

test("1 MW from nvmlDeviceGetPowerUsage: a failed read for an integrated GPU, left out beside a counter", async () => {
  const integrated = stubSensor({ STUB_NVML_ENERGY_ERROR: "3", STUB_NVML_POWER_MW: "1000000000" });
  try {
    const status = await integrated.probe();
    deepEqual(status.methods, ["integrated"]);
    const detail = status.detail?.gpuDetail as Record<string, Record<string, unknown>>;
    equal(detail["gpu-0"]!.plausibleMaxWatts, 1400);
    await integrated.start();
    const [reading] = await integrated.read();
    ok(reading && "failure" in reading);
    equal(
      reading.failure,
      "nvmlDeviceGetPowerUsage: 1000000 W is above 1400 W (2 x its 700 W power limit)",
    );
  } finally {
    await integrated.close();
  }
  const counter = stubSensor({
    STUB_NVML_ENERGY_MJ_PER_CALL: "500",
    STUB_NVML_POWER_MW: "1000000000",
  });
  try {
    await counter.start();
    const [reading] = await readEnergies(counter);
    equal(reading!.energyJoules, 0.5);
    equal(reading!.powerWatts, undefined);
  } finally {
    await counter.close();
  }
});

import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { denoRuntime } from "../../lib/runtime.ts";
import { type AmdSmiSensor, createAmdSmiSensor } from "../../lib/sensors/amd_smi.ts";
import { createKfdProcesses } from "../../lib/sensors/kfd.ts";
import { type DeviceEnergy, type DeviceReading, isDeviceFailure } from "../../lib/types.ts";
import { blockAfter, readCapture } from "../helpers/captures.ts";
import { runtimeWithChildEnv } from "../helpers/fake_executable.ts";
import { fixturePath } from "../helpers/fixture_files.ts";
import { readEnergies } from "../helpers/fake_sensors.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const FAKE = fixturePath("fake-amd-smi");

/** The real runtime, with the fake's settings in every child's environment. */
const fakeEnv = runtimeWithChildEnv;

async function started(env: Record<string, string>, extra: { sysfsRoot?: string } = {}) {
  const runtime = fakeEnv(env);
  const processes = extra.sysfsRoot ? createKfdProcesses(runtime, extra.sysfsRoot, 0) : undefined;
  const sensor = createAmdSmiSensor(runtime, FAKE, {
    intervalMs: 1000,
    ...(processes ? { processes } : {}),
  });
  const status = await sensor.probe();
  ok(status.available, status.reason);
  await sensor.start();
  return { sensor, status };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Energies between two reads `ms` apart, by device. */
async function over(sensor: AmdSmiSensor, ms: number): Promise<Record<string, number>> {
  const before = await readEnergies(sensor);
  await sleep(ms);
  const after = await readEnergies(sensor);
  return Object.fromEntries(
    after.map((r, i) => [r.device, r.energyJoules - before[i]!.energyJoules]),
  );
}

Deno.test("MI210: the energy accumulator is read from one long-lived --watch stream (method counter)", async () => {
  const { sensor, status } = await started({
    FAKE_AMD_SMI_NAME: "Instinct MI210",
    FAKE_AMD_SMI_POWER_W: "43",
  });
  try {
    deepEqual([status.devices, status.methods], [["amd-gpu-0"], ["counter"]]);
    deepEqual(sensor.gpus().map((g) => [g.device, g.name, g.powerLimitWatts, g.uuid]), [
      ["amd-gpu-0", "AMD Instinct MI210", 550, "GPU-7e8f7e20764e2700"],
    ]);
    const joules = (await over(sensor, 2300))["amd-gpu-0"]!;
    // Whole rounds of the counter: 43 J a second.
    ok(
      joules >= 43 * 0.99 && Math.abs(joules / 43 - Math.round(joules / 43)) < 0.05,
      `${joules} J`,
    );
  } finally {
    await sensor.close();
  }
});

Deno.test("a CPX-partitioned MI300X: eight logical GPUs repeat one GPU's power; it is read once and split", async () => {
  const capture = await readCapture("rocm-smi_concise_mi300x_cpx_partitions.txt");
  const rows = capture.text.split("\n").filter((l) => /^\d+ .*NPS1, CPX, \d/.test(l))
    .map((l) => ({
      watts: Number(/(\d+\.\d)W/.exec(l)![1]),
      partition: Number(/CPX, (\d)/.exec(l)![1]),
    }));
  // Rows 16-23 are partitions 0-7 of one GPU: each prints its socket power (136-137 W).
  const first = rows.findIndex((r) => r.partition === 0);
  const physical = rows.slice(first, first + 8);
  deepEqual(physical.map((r) => r.partition), [0, 1, 2, 3, 4, 5, 6, 7]);
  ok(Math.max(...physical.map((r) => r.watts)) - Math.min(...physical.map((r) => r.watts)) <= 1);
  const { sensor, status } = await started({
    FAKE_AMD_SMI_NAME: "Instinct MI300X",
    FAKE_AMD_SMI_DEVICE_ID: "0x74a1",
    FAKE_AMD_SMI_PARTITIONS: "8",
    FAKE_AMD_SMI_POWER_W: String(physical[0]!.watts),
  });
  try {
    equal(status.devices.length, 8);
    match(
      status.reason ?? "",
      /GPUs 0, 1, 2, 3, 4, 5, 6, 7 are compute partitions of one physical GPU/,
    );
    const joules = await over(sensor, 2300);
    const values = Object.values(joules);
    ok(values.every((j) => Math.abs(j - values[0]!) < 1e-9), JSON.stringify(joules));
    const total = values.reduce((a, b) => a + b);
    // One GPU's energy in whole seconds of 136 W, not eight times it.
    ok(Math.abs(total / 136 - Math.round(total / 136)) < 0.05 && total < 136 * 4, `${total} J`);
  } finally {
    await sensor.close();
  }
});

Deno.test("an SR-IOV guest: every GPU shows the host's counter, so each GPU's power is integrated instead", async () => {
  const capture = await readCapture("rocm-smi_a_mi300x_sriov_vm.txt");
  const counters = [...capture.text.matchAll(/Energy counter: (\d+)/g)].map((m) => m[1]);
  deepEqual(new Set(counters).size, 1);
  equal(counters.length, 4);
  const watts = [...capture.text.matchAll(/Current Socket Graphics Package Power \(W\): ([\d.]+)/g)]
    .map((m) => Math.round(Number(m[1])));
  deepEqual(watts, [133, 130, 131, 136]);
  const { sensor, status } = await started({
    FAKE_AMD_SMI_GPUS: "4",
    FAKE_AMD_SMI_NAME: "Instinct MI300X",
    FAKE_AMD_SMI_DEVICE_ID: "0x74a1",
    FAKE_AMD_SMI_ENERGY: "shared",
    FAKE_AMD_SMI_POWER_W: watts.join(","),
  });
  try {
    deepEqual(status.methods, ["integrated"]);
    match(status.reason ?? "", /same energy counter, as in an SR-IOV guest/);
    const joules = await over(sensor, 1500);
    const ratio = joules["amd-gpu-3"]! / joules["amd-gpu-0"]!;
    ok(Math.abs(ratio - 136 / 133) < 1e-6, `${ratio}`);
    ok(joules["amd-gpu-0"]! > 133 * 1.2 && joules["amd-gpu-0"]! < 133 * 2, JSON.stringify(joules));
  } finally {
    await sensor.close();
  }
});

Deno.test("MI250X: the secondary die reports nothing; its package is read once and split between the dies", async () => {
  const capture = await readCapture("amdsmi_python_api_power_energy_outputs.txt");
  const powers = JSON.parse(/powers=(\[[^\]]+\])/.exec(capture.text)![1]!) as number[];
  deepEqual(powers.slice(0, 2), [89000, 0]); // mW: the odd GCDs read 0
  const { sensor, status } = await started({
    FAKE_AMD_SMI_GPUS: "2",
    FAKE_AMD_SMI_NAME: "Instinct MI250X",
    FAKE_AMD_SMI_DEVICE_ID: "0x740c",
    FAKE_AMD_SMI_POWER_W: `${powers[0]! / 1000},N/A`,
  });
  try {
    deepEqual(status.devices, ["amd-gpu-0", "amd-gpu-1"]);
    match(status.reason ?? "", /GPUs 0 and 1 are the two dies of one MI250\/MI250X/);
    const joules = await over(sensor, 2300);
    equal(joules["amd-gpu-0"], joules["amd-gpu-1"]);
    const total = joules["amd-gpu-0"]! + joules["amd-gpu-1"]!;
    ok(Math.abs(total / 89 - Math.round(total / 89)) < 0.05 && total >= 88, `${total} J`);
  } finally {
    await sensor.close();
  }
});

Deno.test("a consumer card whose accumulator reads 0 (RDNA4) is read by its power", async () => {
  const capture = await readCapture("rocm-smi_gpu_metrics_radeon_rdna4_energy_zero.txt");
  match(capture.text, /energy_accumulator \(15\.259uJ \(2\^-16\)\): 0\n/);
  const watts = Number(/average_socket_power \(W\): (\d+)/.exec(capture.text)![1]);
  const { sensor, status } = await started({
    FAKE_AMD_SMI_NAME: "AMD Radeon RX 9070 XT",
    FAKE_AMD_SMI_DEVICE_ID: "0x7550",
    FAKE_AMD_SMI_ENERGY: "zero",
    FAKE_AMD_SMI_POWER_W: String(watts),
  });
  try {
    deepEqual(status.methods, ["integrated"]);
    match(status.reason ?? "", /energy accumulator reads 0/);
    const joules = (await over(sensor, 1000))["amd-gpu-0"]!;
    ok(joules > watts * 0.9 && joules < watts * 1.2, `${joules} J`);
  } finally {
    await sensor.close();
  }
});

Deno.test("processes on each GPU come from KFD's sysfs, without a Python start", async () => {
  await using dir = await tempDir();
  const proc = join(dir.path, "class", "kfd", "kfd", "proc", "4242");
  await Deno.mkdir(proc, { recursive: true });
  await Deno.writeTextFile(join(proc, "vram_45412"), "1048576\n");
  const log = join(dir.path, "calls.log");
  const { sensor } = await started({ FAKE_AMD_SMI_LOG: log }, { sysfsRoot: dir.path });
  try {
    await sleep(50);
    const [reading] = await readEnergies(sensor);
    deepEqual(reading!.processIds, [4242]);
    const calls = (await Deno.readTextFile(log)).trim().split("\n").map((l) => l.split(" ")[1]);
    deepEqual(calls, ["list", "static", "metric", "metric"]); // probe (3), then the one stream
  } finally {
    await sensor.close();
  }
});

Deno.test("a stream that dies makes read() reject; restart() brings a new one", async () => {
  const { sensor } = await started({ FAKE_AMD_SMI_DIE_AFTER_ROUNDS: "1" });
  try {
    await sleep(300);
    await rejects(
      sensor.read(),
      /amd-smi: the --watch stream ended with exit code 1: amdsmi\.amdsmi_exception/,
    );
    await sensor.restart!();
    equal((await sensor.read()).length, 1);
  } finally {
    await sensor.close();
  }
});

Deno.test("amd-smi missing or failing: unavailable, with the reason and the fix", async () => {
  const missing = createAmdSmiSensor(denoRuntime, "/nonexistent/amd-smi", { intervalMs: 1000 });
  const status = await missing.probe();
  equal(status.available, false);
  match(status.reason ?? "", /amd-smi was not found \(looked for \/nonexistent\/amd-smi\)/);
  match(status.fix ?? "", /IMPACT_AMD_SMI/);
  const failing = createAmdSmiSensor(
    fakeEnv({ FAKE_AMD_SMI_FAIL: "AMDSMI_STATUS_DRIVER_NOT_LOADED", FAKE_AMD_SMI_WARNINGS: "1" }),
    FAKE,
    { intervalMs: 1000 },
  );
  const why = await failing.probe();
  equal(why.available, false);
  match(why.reason ?? "", /^AMDSMI_STATUS_DRIVER_NOT_LOADED \(amd-smi exit code 1\)/);
  match(why.fix ?? "", /amdgpu driver is loaded/);
});

Deno.test("the rows' energy is the counter's: a reading is never ahead of what amd-smi printed", async () => {
  const { sensor } = await started({ FAKE_AMD_SMI_POWER_W: "100" });
  try {
    const first = (await readEnergies(sensor))[0] as DeviceEnergy;
    await sleep(400);
    const second = (await readEnergies(sensor))[0] as DeviceEnergy;
    // Within one round the counter has not moved: a counter is not extrapolated.
    ok(
      second.energyJoules - first.energyJoules === 0 || second.energyJoules >= 99,
      `${second.energyJoules}`,
    );
  } finally {
    await sensor.close();
  }
});

Deno.test("an MI300A is an APU: its socket power is the whole chip, reported as psys", async () => {
  const capture = await readCapture("amd-smi_list_static_text_mi300.txt");
  const block = blockAfter(capture, /^--- \(4\) amd-smi static/).text;
  const name = /MARKET_NAME: (\S+)/.exec(block)![1]!;
  const deviceId = /DEVICE_ID: (0x[0-9a-f]+)/.exec(block)![1]!;
  deepEqual([name, deviceId], ["MI300A", "0x74a0"]);
  const { sensor, status } = await started({
    FAKE_AMD_SMI_NAME: name,
    FAKE_AMD_SMI_DEVICE_ID: deviceId,
    FAKE_AMD_SMI_POWER_W: "550",
  });
  try {
    deepEqual(status.devices, ["amd-apu-0"]);
    deepEqual([...sensor.containers()], ["amd-apu-0"]);
    equal((await readEnergies(sensor))[0]!.component, "psys");
  } finally {
    await sensor.close();
  }
});

/** Reads `count` times, a second apart, from half a second after the start. */
async function readsOverTime(sensor: AmdSmiSensor, count: number): Promise<DeviceReading[]> {
  const reads: DeviceReading[] = [];
  await sleep(500);
  for (let i = 0; i < count; i++) {
    reads.push((await sensor.read())[0]!);
    await sleep(1000);
  }
  return reads;
}

Deno.test("a row with a power no GPU can draw fails the reads until a good row; nothing of it is counted", async () => {
  const { sensor, status } = await started({
    FAKE_AMD_SMI_NAME: "AMD Radeon RX 9070 XT",
    FAKE_AMD_SMI_DEVICE_ID: "0x7550",
    FAKE_AMD_SMI_ENERGY: "zero",
    FAKE_AMD_SMI_POWER_W: "100",
    FAKE_AMD_SMI_POWER_CAP_W: "300",
    FAKE_AMD_SMI_SPIKE_ROUND: "3",
    FAKE_AMD_SMI_SPIKE_W: "5000",
  });
  try {
    deepEqual(status.detail?.plausible, {
      "amd-gpu-0": {
        plausibleMaxWatts: 600,
        plausibleBasis: "2 x its 300 W highest power cap (amd-smi max_power)",
      },
    });
    const reads = await readsOverTime(sensor, 5);
    const failed = reads.findIndex(isDeviceFailure);
    ok(failed > 0, JSON.stringify(reads));
    match(
      (reads[failed] as { failure: string }).failure,
      /^amd-smi GPU 0 printed a power no GPU here can draw: 5000 W is above 600 W \(2 x its 300 W highest power cap \(amd-smi max_power\)\)$/,
    );
    // Measured again once good rows come, at 100 W: no 5000 W is in any energy.
    const before = reads[failed - 1] as DeviceEnergy;
    const after = reads.at(-1)!;
    ok(!isDeviceFailure(after), JSON.stringify(reads));
    const seconds = (reads.length - failed) + 1;
    ok(after.energyJoules - before.energyJoules <= 100 * seconds * 1.1, JSON.stringify(reads));
  } finally {
    await sensor.close();
  }
});

Deno.test("an energy counter jumping ahead by more than the GPU can use is a rebased read, not energy", async () => {
  const { sensor } = await started({
    FAKE_AMD_SMI_NAME: "Instinct MI210",
    FAKE_AMD_SMI_POWER_W: "43",
    FAKE_AMD_SMI_POWER_CAP_W: "300",
    FAKE_AMD_SMI_JUMP_ROUND: "3",
    FAKE_AMD_SMI_JUMP_J: "1000000",
  });
  try {
    const reads = (await readsOverTime(sensor, 4)) as DeviceEnergy[];
    const rebased = reads.filter((r) => r.rebased !== undefined);
    equal(rebased.length, 1, JSON.stringify(reads));
    match(
      rebased[0]!.rebased!,
      /^amd-smi GPU 0: the energy counter jumped from [\d.]+ to [\d.]+ J: 10000\d\d(\.\d+)? J in [\d.]+ s is more than the device can use \(at most 600 W: 2 x its 300 W highest power cap \(amd-smi max_power\)\)$/,
    );
    // 43 W over the reads, never the megajoule.
    ok(reads.at(-1)!.energyJoules - reads[0]!.energyJoules < 43 * 5, JSON.stringify(reads));
  } finally {
    await sensor.close();
  }
});

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { createHwmonSensor, type HwmonSensor } from "../../lib/sensors/hwmon.ts";
import { type HwmonFamily, scanHwmon } from "../../lib/sensors/hwmon_scan.ts";
import { type DeviceEnergy, type DeviceReading, isDeviceFailure } from "../../lib/types.ts";
import { blockAfter, readCapture } from "../helpers/captures.ts";
import {
  amdEnergy,
  amdgpu,
  createFakeHwmon,
  type FakeHwmonDevice,
  powerMeter,
  writeHwmonListing,
  xeCard,
} from "../helpers/fake_hwmon.ts";
import { withDeniedReads } from "../helpers/denied_reads.ts";
import { readEnergies, virtualRuntime } from "../helpers/fake_sensors.ts";
import { tempDir } from "../helpers/temp_dir.ts";

async function sensorOver(root: string, family: HwmonFamily, runtime = virtualRuntime()) {
  const sensor = createHwmonSensor(runtime, await scanHwmon(runtime, root), family);
  return { sensor, runtime };
}

function joules(readings: DeviceReading[]): Record<string, number> {
  return Object.fromEntries(
    readings.filter((r): r is DeviceEnergy => !isDeviceFailure(r)).map((
      r,
    ) => [r.device, Math.round(r.energyJoules * 1000) / 1000]),
  );
}

/** The files a capture's listing shows in one hwmon folder (names only; values are ours). */
function listedFiles(lines: string[]): Record<string, string> {
  return Object.fromEntries(
    lines.map((l) => l.replace(/^[\s│├└─]+/, "").trim())
      .filter((f) => /^[a-z]+\d*_[a-z_]+$/.test(f))
      .map((f) => [f, "0"]),
  );
}

Deno.test("amdgpu is found by name, not index: the RX 9060 is hwmon0 beside nvme, k10temp and asus", async () => {
  await using dir = await tempDir();
  const capture = await readCapture("hwmon_amdgpu_sysfs_listing.txt");
  const block = blockAfter(capture, /^--- \(b\) RX 9060/).text.split("\n");
  const hwmon0 = listedFiles(block.slice(1, block.indexOf("")));
  ok("power1_average" in hwmon0 && !("power1_input" in hwmon0));
  const names = block.slice(block.indexOf("[...]") + 1).filter((l) => /^\w+$/.test(l));
  deepEqual(names, ["amdgpu", "nvme", "k10temp", "asus"]);
  await createFakeHwmon(
    dir.path,
    names.map((name): FakeHwmonDevice =>
      name === "amdgpu"
        ? {
          ...amdgpu({ slot: "0000:03:00.0", deviceId: "7590", watts: 28, capWatts: 291 }),
          files: { ...hwmon0, power1_average: "28000000", power1_cap: "291000000" },
        }
        : { name, files: { temp1_input: "40000" } }
    ),
  );
  const { sensor, runtime } = await sensorOver(dir.path, "amdgpu");
  const status = await sensor.probe();
  ok(status.available, status.reason);
  deepEqual(status.devices, ["amd-gpu-0"]);
  deepEqual(status.methods, ["integrated"]);
  deepEqual(sensor.gpus().map((g) => [g.device, g.name, g.powerLimitWatts]), [
    ["amd-gpu-0", "AMD GPU [1002:7590]", 291],
  ]);
  await sensor.start();
  runtime.advance(2000);
  deepEqual(joules(await sensor.read()), { "amd-gpu-0": 56 });
});

Deno.test("a Polaris card has power1_input only: instantaneous readings are averaged between reads", async () => {
  await using dir = await tempDir();
  const capture = await readCapture("hwmon_amdgpu_sysfs_listing.txt");
  const tree = listedFiles(blockAfter(capture, /^--- \(a\) RX 580/).text.split("\n"));
  ok("power1_input" in tree && !("power1_average" in tree));
  const [hwmon] = (await createFakeHwmon(dir.path, [{
    ...amdgpu({ slot: "0000:05:00.0", deviceId: "67df", watts: 20, powerFile: "power1_input" }),
    files: { ...tree, power1_input: "20000000", power1_cap: "145000000" },
  }])).dirs;
  const { sensor, runtime } = await sensorOver(dir.path, "amdgpu");
  await sensor.start();
  await Deno.writeTextFile(join(hwmon!, "power1_input"), "30000000\n");
  runtime.advance(1000);
  deepEqual(joules(await sensor.read()), { "amd-gpu-0": 25 });
});

Deno.test("MI250: each secondary die's package is counted once, split between its two dies", async () => {
  await using dir = await tempDir();
  const capture = await readCapture("rocm-smi_showpower_mi250_secondary_die.txt");
  const powers = blockAfter(capture, /^--- \(a\) rocm_smi_lib#160/).text.split("\n")
    .map((l) => /Power \(W\): (.+)$/.exec(l)?.[1]).filter((p) => p !== undefined);
  deepEqual(powers.filter((p) => p === "N/A (Secondary die)").length, 4);
  await createFakeHwmon(
    dir.path,
    powers.map((p, i) =>
      amdgpu({
        slot: `0000:${(0xc1 + 5 * i).toString(16)}:00.0`,
        deviceId: "740c",
        capWatts: p.startsWith("N/A") ? 0 : 560,
        ...(p.startsWith("N/A") ? {} : { watts: Number(p) }),
      })
    ),
  );
  const { sensor, runtime } = await sensorOver(dir.path, "amdgpu");
  const status = await sensor.probe();
  equal(status.devices.length, 8);
  match(
    String((status.detail?.measures as string[])[1]),
    /amd-gpu-1 \(gpu\): half of its MI250\/MI250X package, whose power the primary die amd-gpu-0 reports/,
  );
  await sensor.start();
  runtime.advance(1000);
  const read = joules(await sensor.read());
  deepEqual(read, {
    "amd-gpu-0": 118.5,
    "amd-gpu-1": 118.5,
    "amd-gpu-2": 115,
    "amd-gpu-3": 115,
    "amd-gpu-4": 110,
    "amd-gpu-5": 110,
    "amd-gpu-6": 117.5,
    "amd-gpu-7": 117.5,
  });
  // Counted once: the dies add up to the four packages.
  equal(Object.values(read).reduce((a, b) => a + b), 237 + 230 + 220 + 235);
});

Deno.test("an APU's value is the whole SoC: psys, with the CPU inside it", async () => {
  await using dir = await tempDir();
  const capture = await readCapture("hwmon_amdgpu_sysfs_listing.txt");
  // Steam Deck: "slowPPT: 5.03 W (avg = 4.09 W, ...)": power1_input 5.03, power1_average 4.09.
  const line = blockAfter(capture, /^--- \(c\) Steam Deck/).text.split("\n")
    .find((l) => l.startsWith("slowPPT"))!;
  const [input, average] = [...line.matchAll(/([\d.]+) W/g)].map((m) => Number(m[1]));
  await createFakeHwmon(dir.path, [{
    ...amdgpu({ slot: "0000:04:00.0", deviceId: "163f", watts: average!, label: "slowPPT" }),
    files: {
      power1_average: String(average! * 1e6),
      power1_input: String(input! * 1e6),
      power1_label: "slowPPT",
      power1_cap: "15000000",
    },
  }]);
  const { sensor, runtime } = await sensorOver(dir.path, "amdgpu");
  const status = await sensor.probe();
  deepEqual(status.devices, ["amd-apu-0"]);
  deepEqual([...sensor.containers()], [["amd-apu-0", "cpu-packages"]]);
  await sensor.start();
  runtime.advance(10_000);
  const [reading] = await readEnergies(sensor);
  deepEqual([reading!.component, Math.round(reading!.energyJoules * 100) / 100], ["psys", 40.9]);
});

Deno.test("xe: the card's counter (energy1, card) contains the package's (energy2, pkg): the card is counted once", async () => {
  await using dir = await tempDir();
  const capture = await readCapture("hwmon_xe_energy.txt");
  const b70 = blockAfter(capture, /^--- \(a\) Arc Pro B70/).text;
  match(b70, /energy1_label: card\n.*energy2_label: pkg/s);
  match(b70, /power1_input: missing/);
  // The user's sample: 414 J on the card counter over 2.01 s.
  const cardJoules = Number(/delta: (\d+) J/.exec(b70)![1]);
  const fake = await createFakeHwmon(dir.path, [
    xeCard({ slot: "0000:03:00.0", cardWatts: cardJoules, pkgWatts: 300 }),
  ]);
  const { sensor, runtime } = await sensorOver(dir.path, "intel-gpu");
  const status = await sensor.probe();
  deepEqual([status.devices, status.methods], [["intel-gpu-0"], ["counter"]]);
  match(status.reason ?? "", /energy2_input \(pkg\) is inside energy1_input \(card\)/);
  equal(sensor.gpus()[0]!.name, "Intel Arc Pro B70");
  await sensor.start();
  await fake.tick(1);
  runtime.advance(1000);
  deepEqual(joules(await sensor.read()), { "intel-gpu-0": 414 });
});

Deno.test("xe: a build with energy2 only (no channel 1) reads the package, and says so", async () => {
  await using dir = await tempDir();
  const capture = await readCapture("hwmon_xe_energy.txt");
  const only = blockAfter(capture, /^--- \(e\) xpumanager#123/).text;
  match(only, /\/energy2_input\n/);
  const fake = await createFakeHwmon(dir.path, [{
    ...xeCard({ slot: "0000:0b:00.0", deviceId: "e20b", pkgWatts: 150 }),
    files: {}, // no labels either: the kernel ABI numbers pkg 2
  }]);
  const { sensor, runtime } = await sensorOver(dir.path, "intel-gpu");
  const status = await sensor.probe();
  deepEqual(status.devices, ["intel-gpu-0"]);
  match((status.detail?.measures as string[])[0]!, /Intel Arc B580, the GPU package only/);
  await sensor.start();
  await fake.tick(2);
  runtime.advance(2000);
  deepEqual(joules(await sensor.read()), { "intel-gpu-0": 300 });
});

Deno.test("zenergy: the Ecore counters are inside Esocket and never added", async () => {
  await using dir = await tempDir();
  const capture = await readCapture("hwmon_amd_energy_sensors_ryzen.txt");
  const values = blockAfter(capture, /^--- \(b\) kernel 5\.8-rc/).text.split("\n")
    .map((l) => /^(E\w+):\s+([\d.]+) (kJ|MJ)/.exec(l)).filter((m) => m !== null);
  const uj = (m: RegExpExecArray) => Number(m[2]) * (m[3] === "MJ" ? 1e12 : 1e9);
  const fake = await createFakeHwmon(dir.path, [
    amdEnergy({ coreWatts: [10, 10, 10, 10, 10, 10], socketWatts: [100] }),
  ]);
  // Start each counter where the capture's machine had it.
  for (const [i, m] of values.entries()) {
    await fake.setCounter(`hwmon0/energy${i + 1}_input`, uj(m));
  }
  const { sensor, runtime } = await sensorOver(dir.path, "amd-energy");
  const status = await sensor.probe();
  deepEqual([status.devices, status.methods], [["package-0"], ["counter"]]);
  match(status.reason ?? "", /6 Ecore counters: each core is inside its socket's Esocket/);
  await sensor.start();
  await fake.tick(1);
  runtime.advance(1000);
  deepEqual(joules(await sensor.read()), { "package-0": 100 });
});

Deno.test("zenergy: a counter that goes back (the v5 patch's 122.33 kJ -> 77.85 kJ) is a reset, never negative energy", async () => {
  await using dir = await tempDir();
  const fake = await createFakeHwmon(dir.path, [
    amdEnergy({ coreWatts: [], socketWatts: [50, 60] }),
  ]);
  await fake.setCounter("hwmon0/energy1_input", 122.33e9);
  const { sensor, runtime } = await sensorOver(dir.path, "amd-energy");
  await sensor.start();
  await fake.tick(1);
  runtime.advance(1000);
  deepEqual(joules(await sensor.read()), { "package-0": 50, "package-1": 60 });
  await fake.setCounter("hwmon0/energy1_input", 77.85e9);
  const [reset, other] = await sensor.read() as DeviceEnergy[];
  match(reset!.rebased ?? "", /went back from 122380000000 to 77850000000/);
  equal(reset!.energyJoules, 50);
  equal(other!.rebased, undefined);
  await fake.tick(1);
  runtime.advance(1000);
  deepEqual(joules(await sensor.read()), { "package-0": 100, "package-1": 120 });
});

Deno.test("amd_energy's root-only counters: unavailable, with the fix", async () => {
  await using dir = await tempDir();
  await createFakeHwmon(dir.path, [
    amdEnergy({ name: "amd_energy", coreWatts: [1], socketWatts: [9] }),
  ]);
  const runtime = withDeniedReads(virtualRuntime(), (p) => p.endsWith("_input"));
  const { sensor } = await sensorOver(dir.path, "amd-energy", { ...virtualRuntime(), ...runtime });
  const status = await sensor.probe();
  equal(status.available, false);
  match(status.reason ?? "", /energy2_input is readable by root only/);
  match(status.fix ?? "", /zenergy/);
});

Deno.test("an ACPI meter reading 4294967295000 is left out at the start, and a gap when it says so later", async () => {
  await using dir = await tempDir();
  const capture = await readCapture("hwmon_acpi_power_meter_ls_and_error_value.txt");
  const listing = blockAfter(capture, /^--- \(a\) lm-sensors#460/).text;
  ok(/power1_average\n/.test(listing) && /power1_oem_info\n/.test(listing));
  const error = blockAfter(capture, /^--- \(b\) kepler#1049/).text.split("\n")[1]!;
  const { dirs } = await createFakeHwmon(dir.path, [powerMeter({ microwatts: error })]);
  const broken = await sensorOver(dir.path, "power-meter");
  const status = await broken.sensor.probe();
  equal(status.available, false);
  match(status.reason ?? "", /power-meter-0: .*the firmware reports no reading \(4294967295000/);

  const meter = join(dirs[0]!, "device", "power1_average");
  await Deno.writeTextFile(meter, "450000000\n");
  const { sensor, runtime } = await sensorOver(dir.path, "power-meter");
  const ok2 = await sensor.probe();
  deepEqual(ok2.devices, ["power-meter-0"]);
  match((ok2.detail?.measures as string[])[0]!, /^power-meter-0 \(node\): the whole node's power/);
  await sensor.start();
  runtime.advance(1000);
  deepEqual(joules(await sensor.read()), { "power-meter-0": 450 });
  await Deno.writeTextFile(meter, `${error}\n`);
  runtime.advance(1000);
  const [gap] = await sensor.read();
  ok(gap && isDeviceFailure(gap));
  match(gap.failure, /power1_average: the firmware reports no reading/);
  await Deno.writeTextFile(meter, "450000000\n");
  runtime.advance(1000);
  equal((await readEnergies(sensor))[0]!.component, "node");
});

/** Writes the SYNTHESIZED Grace listing. */
async function graceTree(root: string): Promise<string[]> {
  const capture = await readCapture("hwmon_grace_acpi_power_meter_SYNTHESIZED.txt");
  return await writeHwmonListing(root, capture.text.split("\n"));
}

Deno.test("Grace: the socket is cpu, the rest of the module a remainder; the CPU and SysIO rails are inside Grace", async () => {
  await using dir = await tempDir();
  const lines = await graceTree(dir.path);
  const watts = (label: string) => {
    const hwmon = lines.find((l) => l.endsWith(`|${label} Power Socket 0`))!.split("/")[0];
    return Number(
      lines.find((l) => l.startsWith(`${hwmon}/device/power1_average|`))!.split("|")[2],
    ) / 1e6;
  };
  const { sensor, runtime } = await sensorOver(dir.path, "power-meter");
  const status = await sensor.probe();
  deepEqual(status.devices, ["grace-0", "grace-module-rest"]);
  match(
    status.reason ?? "",
    /socket 0: the CPU rail is inside Grace; socket 0: the SysIO rail is inside Grace/,
  );
  deepEqual([...sensor.containers()], [["grace-module-rest", "module-gpus"]]);
  await sensor.start();
  runtime.advance(1000);
  const readings = await readEnergies(sensor);
  deepEqual(readings.map((r) => r.component), ["cpu", "psys"]);
  const expected = { grace: watts("Grace"), module: watts("Module") };
  deepEqual(joules(readings), {
    "grace-0": expected.grace,
    "grace-module-rest": Math.round((expected.module - expected.grace) * 1000) / 1000,
  });
});

Deno.test("a meter file that vanishes fails its device, naming the file; the others are read", async () => {
  await using dir = await tempDir();
  const { dirs } = await createFakeHwmon(dir.path, [
    amdgpu({ slot: "0000:c1:00.0", deviceId: "740f", watts: 300, capWatts: 300 }),
    amdgpu({ slot: "0000:c9:00.0", deviceId: "740f", watts: 200, capWatts: 300 }),
  ]);
  const { sensor, runtime } = await sensorOver(dir.path, "amdgpu");
  await sensor.start();
  await Deno.remove(join(dirs[0]!, "power1_average"));
  runtime.advance(1000);
  const [gone, kept] = await sensor.read();
  ok(gone && isDeviceFailure(gone));
  match(gone.failure, /hwmon0\/power1_average is gone/);
  deepEqual(joules([kept!]), { "amd-gpu-1": 200 });
});

Deno.test("with nothing of this hardware the families say what they looked for, and the fix", async () => {
  await using dir = await tempDir();
  await createFakeHwmon(dir.path, [{ name: "k10temp", files: { temp1_input: "40000" } }]);
  for (const family of ["amdgpu", "intel-gpu", "amd-energy", "power-meter"] as const) {
    const { sensor } = await sensorOver(dir.path, family);
    const status = await sensor.probe();
    equal(status.available, false);
    match(status.reason ?? "", /under .*class\/hwmon/);
    ok(status.fix, family);
    await (sensor as HwmonSensor).close();
  }
});

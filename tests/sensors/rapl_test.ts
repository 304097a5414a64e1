import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { denoRuntime, type Runtime, type SystemPaths } from "../../lib/runtime.ts";
import { withDeniedReads } from "../helpers/denied_reads.ts";
import { createRaplSensor } from "../../lib/sensors/rapl.ts";
import { counterDeltaUj, safeReadIntervalMs, zoneBound } from "../../lib/sensors/rapl_zones.ts";
import { isDeviceFailure } from "../../lib/types.ts";
import { AMD_RANGE_UJ, createFakeRapl, INTEL_RANGE_UJ } from "../helpers/fake_sysfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";
import { readCapture } from "../helpers/captures.ts";
import { othersMayRead, writeSysfsCapture } from "../helpers/sysfs_capture.ts";
import { readEnergies } from "../helpers/fake_sensors.ts";

function pathsFor(sysfsRoot: string): SystemPaths {
  return {
    sysfsRoot,
    procfsRoot: "/nonexistent",
    cgroupRoot: "/nonexistent",
    nvidiaSmi: "nvidia-smi",
    nvmlLibrary: "libnvidia-ml.so.1",
  };
}

function byDevice(readings: { device: string; energyJoules: number }[]) {
  return Object.fromEntries(
    readings.map((r) => [r.device, Math.round(r.energyJoules * 1e6) / 1e6]),
  );
}

Deno.test("two sockets with reversed zone order are named by zone name, not index", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 2, dram: true, reversed: true });
  equal(fake.zones.find((z) => z.dir === "intel-rapl:0")?.name, "package-1");
  const sensor = createRaplSensor(denoRuntime, pathsFor(dir.path));
  const status = await sensor.probe();
  equal(status.available, true);
  deepEqual(status.methods, ["counter"]);
  deepEqual(status.devices, ["package-0", "dram-0", "package-1", "dram-1"]);
  await sensor.start();
  await fake.advance({ "package-0": 12, "package-1": 30, "dram-0": 2, "dram-1": 4 });
  const readings = await readEnergies(sensor);
  deepEqual(byDevice(readings), { "package-0": 12, "dram-0": 2, "package-1": 30, "dram-1": 4 });
  deepEqual(readings.map((r) => r.component), ["cpu", "dram", "cpu", "dram"]);
  ok(readings.every((r) => r.method === "counter"));
});

Deno.test("zone ids are hex: the 11th package is intel-rapl:a and reads as package-10", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 12 });
  const sensor = createRaplSensor(denoRuntime, pathsFor(dir.path));
  const status = await sensor.probe();
  ok(status.devices.includes("package-10") && status.devices.includes("package-11"));
  await sensor.start();
  await fake.advance({ "package-10": 7 });
  equal(byDevice(await readEnergies(sensor))["package-10"], 7);
});

Deno.test("a counter that wraps is tracked across many reads", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, {
    sockets: 1,
    maxEnergyRangeUj: 1_000_000_000, // 1 kJ, so 300 J steps wrap every few reads
    startUj: 900_000_000,
  });
  const sensor = createRaplSensor(denoRuntime, pathsFor(dir.path));
  await sensor.start();
  let last = 0;
  for (let i = 0; i < 10; i++) {
    await fake.advance({ "package-0": 300 });
    const [reading] = await readEnergies(sensor);
    ok(reading!.energyJoules >= last, "cumulative energy never goes down");
    last = reading!.energyJoules;
  }
  equal(Math.round(last), 3000);
  equal(fake.injectedJoules()["package-0"], 3000);
});

Deno.test("the captured wraparound series gives the deltas the capture expects", async () => {
  // rapl_wraparound_series.txt: "t_seconds energy_uj" rows, then the expected deltas in words.
  const capture = await readCapture("rapl_wraparound_series.txt");
  const series = (block: number) =>
    capture.blocks[block]!.text.trim().split("\n").map((line) => Number(line.split(/\s+/)[1]));
  const amd = series(0);
  deepEqual(amd, [65100000000, 65532000000, 12599389013, 25199389013]);
  deepEqual(amd.slice(1).map((uj, i) => counterDeltaUj(amd[i]!, uj, AMD_RANGE_UJ)), [
    432000000,
    12600000000,
    12600000000,
  ]);
  const [before, after] = series(1);
  const intelUj = counterDeltaUj(before!, after!, INTEL_RANGE_UJ);
  equal(intelUj, 30000000000);
  equal(intelUj / 1e6 / 300, 100); // 100 W over 300 s, as the capture says
  // The sensor reads the AMD series through a counter file the same way, a minute apart as
  // captured (a wrap is plausible for the time: 12.6 kJ in 60 s is 210 W).
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 1, vendor: "amd" });
  let clockMs = 0;
  const sensor = createRaplSensor(
    { ...denoRuntime, monotonicMs: () => clockMs },
    pathsFor(dir.path),
  );
  await fake.setCounter("package-0", amd[0]!);
  await sensor.start();
  const totals: number[] = [];
  for (const raw of amd.slice(1)) {
    await fake.setCounter("package-0", raw);
    clockMs += 60_000;
    totals.push(Math.round((await readEnergies(sensor))[0]!.energyJoules * 1e6));
  }
  deepEqual(totals, [432000000, 13032000000, 25632000000]);
});

Deno.test("a captured laptop tree: packages named by zone name, hex ids, the core subzone inside", async () => {
  await using dir = await tempDir();
  const tree = await writeSysfsCapture(
    await readCapture("rapl_sysfs_intel_laptop_procfs.txt"),
    dir.path,
  );
  let clockMs = 0;
  const sensor = createRaplSensor(
    { ...denoRuntime, monotonicMs: () => clockMs },
    pathsFor(tree.root),
  );
  const status = await sensor.probe();
  equal(status.available, true);
  // intel-rapl:a is the 11th package zone, named package-10; intel-rapl:0:0 is `core`.
  deepEqual(status.devices, ["package-0", "package-10"]);
  const plausible = {
    plausibleMaxWatts: 475,
    plausibleBasis: "5 x the zone's 95 W power limit (constraint_*_max_power_uw)",
  };
  deepEqual(status.detail?.zones, [
    {
      dir: "intel-rapl:0",
      name: "package-0",
      device: "package-0",
      maxEnergyRangeUj: 262143328850,
      maxPowerWatts: 95,
      ...plausible,
    },
    {
      dir: "intel-rapl:a",
      name: "package-10",
      device: "package-10",
      maxEnergyRangeUj: 262143328850,
      maxPowerWatts: 95,
      ...plausible,
    },
  ]);
  deepEqual(status.detail?.insideOrIgnored, [{ dir: "intel-rapl:0:0", name: "core" }]);
  // From the captured 240422366267 uJ, package-10's counter wraps at 262143328850 to 1 J, five
  // minutes later (21.7 kJ in 300 s is 72 W: a wrap the package can make).
  await sensor.start();
  const counter = join(tree.root, "class/powercap/intel-rapl:a/energy_uj");
  await Deno.writeTextFile(counter, "1000000\n");
  clockMs += 300_000;
  deepEqual(byDevice(await readEnergies(sensor)), {
    "package-0": 0,
    "package-10": (262143328850 - 240422366267 + 1000000) / 1e6,
  });
});

Deno.test("a captured 2-socket Xeon tree: energy_uj 0400 refused to users, read by root", async () => {
  await using dir = await tempDir();
  const capture = await readCapture("rapl_sysfs_manifest_xeon_2s_modern_kernel.txt");
  const tree = await writeSysfsCapture(capture, dir.path);
  // A normal user: the captured 0400 energy_uj cannot be read, and the fix says how.
  const user = withDeniedReads(denoRuntime, (path) => !othersMayRead(tree, path));
  const refused = await createRaplSensor(user, pathsFor(tree.root)).probe();
  equal(refused.available, false);
  match(refused.reason!, /intel-rapl:1\/energy_uj is readable by root only/);
  match(refused.fix!, /mode class\/powercap\/intel-rapl:0:0\/energy_uj = 0444/);
  deepEqual(refused.devices, ["package-0", "dram-0", "package-1", "dram-1"]);
  // Root: intel-rapl:0 is package-1 and its dram subzone dram-1 (the server DRAM range).
  const status = await createRaplSensor(denoRuntime, pathsFor(tree.root)).probe();
  equal(status.available, true);
  deepEqual(
    (status.detail?.zones as {
      dir: string;
      device: string;
      maxEnergyRangeUj: number;
      maxPowerWatts: number;
    }[])
      .map((z) => [z.dir, z.device, z.maxEnergyRangeUj, z.maxPowerWatts]),
    [
      ["intel-rapl:1", "package-0", 262143328850, 205],
      ["intel-rapl:1:0", "dram-0", 65712999613, 39],
      ["intel-rapl:0", "package-1", 262143328850, 205],
      ["intel-rapl:0:0", "dram-1", 65712999613, 39],
    ],
  );
});

Deno.test("counterDeltaUj adds the range once when the counter went down", () => {
  equal(counterDeltaUj(100, 250, INTEL_RANGE_UJ), 150);
  equal(counterDeltaUj(INTEL_RANGE_UJ - 50, 70, INTEL_RANGE_UJ), 120);
});

Deno.test("the intel-rapl-mmio duplicate of package-0 is dropped", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 1, mmioDuplicate: true });
  const sensor = createRaplSensor(denoRuntime, pathsFor(dir.path));
  const status = await sensor.probe();
  deepEqual(status.devices, ["package-0"]);
  deepEqual(status.detail?.dropped, ["intel-rapl-mmio:0"]);
  await sensor.start();
  await fake.advance({ "package-0": 5 });
  deepEqual(byDevice(await readEnergies(sensor)), { "package-0": 5 });
});

Deno.test("psys, package, core and dram add up to the platform total, nothing twice", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 1, core: true, dram: true, psys: true });
  let clockMs = 0;
  const runtime: Runtime = { ...denoRuntime, monotonicMs: () => clockMs };
  const sensor = createRaplSensor(runtime, pathsFor(dir.path));
  const status = await sensor.probe();
  deepEqual(status.devices, ["package-0", "dram-0", "psys"]);
  match(String(status.detail?.scheme), /psys/);
  await sensor.start();
  fake.setPower("core-0", 6);
  fake.setPower("package-0", 4); // the package's own draw outside the cores
  fake.setPower("dram-0", 2);
  fake.setPower("psys", 5); // the rest of the platform
  for (let i = 0; i < 10; i++) {
    await fake.tick(1);
    clockMs += 1000;
    await readEnergies(sensor);
  }
  const readings = await readEnergies(sensor);
  deepEqual(byDevice(readings), { "package-0": 100, "dram-0": 20, psys: 50 });
  deepEqual(readings.map((r) => r.component), ["cpu", "dram", "psys"]);
  const sum = readings.reduce((s, r) => s + r.energyJoules, 0);
  equal(Math.round(sum * 1e6) / 1e6, fake.machineJoules());
  equal(fake.machineJoules(), 170);
});

Deno.test("mean power over the last interval comes with each reading", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 1 });
  let clockMs = 0;
  const sensor = createRaplSensor(
    { ...denoRuntime, monotonicMs: () => clockMs },
    pathsFor(dir.path),
  );
  await sensor.start();
  fake.setPower("package-0", 42);
  await fake.tick(2);
  clockMs = 2000;
  await readEnergies(sensor);
  await fake.tick(2);
  clockMs = 4000;
  const [reading] = await readEnergies(sensor);
  equal(Math.round(reading!.powerWatts! * 1000) / 1000, 42);
});

Deno.test("AMD exposes package zones only and is read more often", async () => {
  await using dir = await tempDir();
  await createFakeRapl(dir.path, { sockets: 2, vendor: "amd", dram: true, psys: true });
  const sensor = createRaplSensor(denoRuntime, pathsFor(dir.path));
  const status = await sensor.probe();
  deepEqual(status.devices, ["package-0", "package-1"]);
  // No max power in sysfs: assumes 1 kW, 65.5 kJ lasts 65.5 s, half of it is the safe period.
  equal(sensor.maxReadIntervalMs?.(), Math.floor(AMD_RANGE_UJ / 1000 / 1000 / 2));
});

Deno.test("the safe read period keeps a counter from wrapping twice unseen", () => {
  const zone = {
    dir: "intel-rapl:0",
    name: "package-0",
    maxEnergyRangeUj: INTEL_RANGE_UJ,
    maxPowerWatts: 150,
  };
  const zones = [{ ...zone, bound: zoneBound(zone, "cpu", undefined) }];
  const periodMs = safeReadIntervalMs(zones)!;
  // Sized for the plausible peak, 5 x the 150 W limit: no wrap twice unseen even then.
  const wrapAtPeakMs = INTEL_RANGE_UJ / (5 * 150) / 1000;
  ok(periodMs <= wrapAtPeakMs / 2, `${periodMs} ms is under half the wrap time`);
  ok(periodMs > 60_000, "still minutes on Intel, so sampling is not forced");
  equal(safeReadIntervalMs([]), undefined);
});

Deno.test("an unreadable energy_uj is unavailable with the udev and sysfs.conf fix", async () => {
  await using dir = await tempDir();
  await createFakeRapl(dir.path, { sockets: 2, dram: true });
  const denied = withDeniedReads(denoRuntime, (path) => path.endsWith("energy_uj"));
  const status = await createRaplSensor(denied, pathsFor(dir.path)).probe();
  equal(status.available, false);
  match(status.reason ?? "", /energy_uj is readable by root only/);
  match(status.reason ?? "", /intel-rapl:0/);
  const fix = status.fix ?? "";
  match(fix, /SUBSYSTEM=="powercap"/);
  match(fix, /\/etc\/udev\/rules\.d\//);
  match(fix, /mode class\/powercap\/intel-rapl:0\/energy_uj = 0444/);
  match(fix, /mode class\/powercap\/intel-rapl:1:0\/energy_uj = 0444/);
  match(fix, /impact doctor/);
});

Deno.test("a zone that cannot be read is a failed device naming its file; the others are read", async () => {
  await using dir = await tempDir();
  const rapl = await createFakeRapl(dir.path, { sockets: 2, dram: true, psys: true });
  let deny = "";
  const runtime = withDeniedReads(denoRuntime, (path) => deny !== "" && path.endsWith(deny));
  const sensor = createRaplSensor(runtime, pathsFor(dir.path));
  equal((await sensor.probe()).available, true);
  await sensor.start();
  const package1 = rapl.zones.find((z) => z.key === "package-1")!;
  deny = package1.energyPath;
  await rapl.tick(1);
  const readings = await sensor.read();
  const failed = readings.filter(isDeviceFailure);
  deepEqual(failed.map((f) => f.device), ["package-1", "psys"]);
  match(failed[0]!.failure, new RegExp(`^cannot read ${package1.energyPath}: `));
  equal(
    failed[1]!.failure,
    "psys is the platform minus its packages and DRAM, and package-1 was not read",
  );
  deepEqual(
    readings.filter((r) => !isDeviceFailure(r)).map((r) => r.device),
    ["package-0", "dram-0", "dram-1"],
  );
  // Back once the file reads again.
  deny = "";
  deepEqual((await readEnergies(sensor)).map((r) => r.device), [
    "package-0",
    "dram-0",
    "package-1",
    "dram-1",
    "psys",
  ]);
});

Deno.test("no powercap folder is unavailable with the module to load", async () => {
  await using dir = await tempDir();
  const status = await createRaplSensor(denoRuntime, pathsFor(join(dir.path, "none"))).probe();
  equal(status.available, false);
  match(status.reason ?? "", /class\/powercap/);
  match(status.fix ?? "", /modprobe intel_rapl_msr/);
  await Deno.mkdir(join(dir.path, "class", "powercap"), { recursive: true });
  const empty = await createRaplSensor(denoRuntime, pathsFor(dir.path)).probe();
  equal(empty.available, false);
  match(empty.fix ?? "", /modprobe intel_rapl_msr/);
});

Deno.test("a wall-clock ticker's injected energy is what the sensor reads", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 2, dram: true });
  fake.setPower("package-0", 80);
  fake.setPower("package-1", 60);
  fake.setPower("dram-1", 10);
  const sensor = createRaplSensor(denoRuntime, pathsFor(dir.path));
  await sensor.start();
  const startMs = Date.now() - 1000;
  const ticker = fake.startTicking(5);
  await new Promise((resolve) => setTimeout(resolve, 60));
  await ticker.stop();
  const total = (await readEnergies(sensor)).reduce((sum, r) => sum + r.energyJoules, 0);
  ok(total > 0);
  ok(Math.abs(total - fake.machineJoules()) < 1e-5, `${total} J read vs ${fake.machineJoules()} J`);
  const window = ticker.machineJoulesBetween(startMs, Date.now() + 1000);
  ok(Math.abs(window - total) < 1e-5, `${window} J in the window vs ${total} J read`);
});

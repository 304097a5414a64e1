/**
 * Plausibility in the hwmon sensors (issue 12's check, for issue 11's devices): each device is
 * bounded by what it states of itself (an amdgpu's power caps, an Intel GPU's limits, an ACPI
 * meter's cap), else by the TDP tables, else by the `UNKNOWN_*` bounds; a power beyond it fails
 * that read, a counter step beyond it is a rebased read, and the bound is in the status.
 *
 * @module
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { createHwmonSensor, type HwmonOptions } from "../../lib/sensors/hwmon.ts";
import { type HwmonFamily, scanHwmon } from "../../lib/sensors/hwmon_scan.ts";
import { type DeviceEnergy, type DeviceReading, isDeviceFailure } from "../../lib/types.ts";
import { blockAfter, readCapture } from "../helpers/captures.ts";
import {
  amdEnergy,
  amdgpu,
  createFakeHwmon,
  powerMeter,
  writeHwmonListing,
  xeCard,
} from "../helpers/fake_hwmon.ts";
import { virtualRuntime } from "../helpers/fake_sensors.ts";
import { tempDir } from "../helpers/temp_dir.ts";

/** A family's sensor on a clock the test moves, started. */
async function started(root: string, family: HwmonFamily, options: HwmonOptions = {}) {
  const runtime = virtualRuntime();
  const sensor = createHwmonSensor(runtime, await scanHwmon(runtime, root), family, options);
  const status = await sensor.probe();
  ok(status.available, status.reason);
  await sensor.start();
  return {
    sensor,
    status,
    /** Moves the clock and reads, by device. */
    async read(seconds = 1): Promise<Record<string, DeviceReading>> {
      runtime.advance(seconds * 1000);
      return Object.fromEntries((await sensor.read()).map((r) => [r.device, r]));
    },
  };
}

function energy(reading: DeviceReading | undefined): DeviceEnergy {
  if (!reading || isDeviceFailure(reading)) {
    throw new Error(`no energy: ${JSON.stringify(reading)}`);
  }
  return reading;
}

function failure(reading: DeviceReading | undefined): string {
  if (!reading || !isDeviceFailure(reading)) {
    throw new Error(`no failure: ${JSON.stringify(reading)}`);
  }
  return reading.failure;
}

const plausible = (status: { detail?: Record<string, unknown> }) =>
  status.detail?.plausible as Record<string, { plausibleMaxWatts: number; plausibleBasis: string }>;

Deno.test("amdgpu: bounded by its highest power cap; 1 MW fails that read, and nothing of it is counted", async () => {
  await using dir = await tempDir();
  // The RX 9060's listing has power1_cap and power1_cap_max beside power1_average (values ours).
  const capture = await readCapture("hwmon_amdgpu_sysfs_listing.txt");
  match(blockAfter(capture, /^--- \(b\) RX 9060/).text, /power1_cap_max/);
  const [hwmon] = (await createFakeHwmon(dir.path, [
    amdgpu({ slot: "0000:03:00.0", deviceId: "7590", watts: 28, capWatts: 291, capMaxWatts: 340 }),
  ])).dirs;
  const gpu = await started(dir.path, "amdgpu");
  deepEqual(plausible(gpu.status), {
    "amd-gpu-0": {
      plausibleMaxWatts: 680,
      plausibleBasis: "2 x its 340 W highest power cap (power1_cap_max)",
    },
  });
  equal(energy((await gpu.read())["amd-gpu-0"]).energyJoules, 28);
  const file = join(hwmon!, "power1_average");
  await Deno.writeTextFile(file, "1000000000000\n");
  match(
    failure((await gpu.read())["amd-gpu-0"]),
    /power1_average reads a power no device here can draw: 1000000 W is above 680 W \(2 x its 340 W highest power cap \(power1_cap_max\)\)/,
  );
  await Deno.writeTextFile(file, "28000000\n");
  // The read after the failure starts integrating afresh; the next counts 28 J a second again.
  equal(energy((await gpu.read())["amd-gpu-0"]).energyJoules, 28);
  equal(energy((await gpu.read())["amd-gpu-0"]).energyJoules, 56);
});

Deno.test("amdgpu without a cap: the board power of data/gpu_tdp.json, else the unknown-GPU bound", async () => {
  await using dir = await tempDir();
  const { dirs } = await createFakeHwmon(dir.path, [
    amdgpu({ slot: "0000:c1:00.0", deviceId: "740f", watts: 250 }),
    amdgpu({ slot: "0000:e3:00.0", deviceId: "73bf", watts: 100 }),
  ]);
  // Neither states a cap (a driver without power1_cap).
  for (const hwmon of dirs) await Deno.remove(join(hwmon, "power1_cap"));
  const { status } = await started(dir.path, "amdgpu");
  deepEqual(plausible(status), {
    "amd-gpu-0": {
      plausibleMaxWatts: 600,
      plausibleBasis: "2 x the 300 W board power of AMD Instinct MI210 (data/gpu_tdp.json)",
    },
    "amd-gpu-1": {
      plausibleMaxWatts: 3000,
      plausibleBasis: "no power limit known; no GPU board draws more than 3000 W",
    },
  });
});

Deno.test("an MI250X's secondary die is checked against its package's bound, read on the primary", async () => {
  await using dir = await tempDir();
  await createFakeHwmon(dir.path, [
    amdgpu({ slot: "0000:c1:00.0", deviceId: "740c", watts: 237, capWatts: 560 }),
    amdgpu({ slot: "0000:c6:00.0", deviceId: "740c", capWatts: 0 }),
  ]);
  const { status } = await started(dir.path, "amdgpu");
  const pkg = { plausibleMaxWatts: 1120, plausibleBasis: "2 x its 560 W power cap (power1_cap)" };
  deepEqual(plausible(status), { "amd-gpu-0": pkg, "amd-gpu-1": pkg });
});

Deno.test("xe: a counter step no card can make is a rebased read; counting goes on from the new value", async () => {
  await using dir = await tempDir();
  // The Arc Pro B60's limits: power1_cap 200 W (power1_crit is a current limit, not a bound).
  const b60 = blockAfter(await readCapture("hwmon_xe_energy.txt"), /^--- \(b\) Arc Pro B60/)
    .text.split("\n").filter((l) => /^power1_(cap|crit)=\d+$/.test(l))
    .map((l) => l.split("=") as [string, string]);
  deepEqual(b60.map(([file]) => file), ["power1_cap", "power1_crit"]);
  const card = xeCard({ slot: "0000:03:00.0", deviceId: "e211", cardWatts: 150, pkgWatts: 120 });
  const fake = await createFakeHwmon(dir.path, [
    { ...card, files: { ...card.files, ...Object.fromEntries(b60) } },
  ]);
  const xe = await started(dir.path, "intel-gpu");
  deepEqual(plausible(xe.status)["intel-gpu-0"], {
    plausibleMaxWatts: 400,
    plausibleBasis: "2 x its 200 W power cap (power1_cap)",
  });
  await fake.tick(1);
  equal(energy((await xe.read())["intel-gpu-0"]).energyJoules, 150);
  // A glitch: 1 MJ more in one second.
  await fake.setCounter("hwmon0/energy1_input", 150e6 + 1e12);
  const jumped = energy((await xe.read())["intel-gpu-0"]);
  match(
    jumped.rebased ?? "",
    /energy1_input jumped from 150000000 to 1000150000000 µJ: 1000000 J in 1\.000 s is more than the device can use \(at most 400 W: 2 x its 200 W power cap \(power1_cap\)\)/,
  );
  equal(jumped.energyJoules, 150, "nothing of the jump is counted");
  await fake.setCounter("hwmon0/energy1_input", 150e6 + 1e12 + 150e6);
  const after = energy((await xe.read())["intel-gpu-0"]);
  equal(after.rebased, undefined);
  equal(after.energyJoules, 300);
});

Deno.test("zenergy: a socket is bounded by its CPU's TDP (or 1000 W unknown); a 400-digit counter fails the read", async () => {
  await using dir = await tempDir();
  const fake = await createFakeHwmon(dir.path, [amdEnergy({ coreWatts: [], socketWatts: [200] })]);
  const epyc = await started(dir.path, "amd-energy", {
    cpuModel: "AMD EPYC 7742 64-Core Processor",
  });
  deepEqual(plausible(epyc.status)["package-0"], {
    plausibleMaxWatts: 1125,
    plausibleBasis: "5 x the 225 W TDP of AMD EPYC 7742 (data/cpu_tdp.json)",
  });
  const unknown = await started(dir.path, "amd-energy");
  equal(plausible(unknown.status)["package-0"]!.plausibleMaxWatts, 1000);
  await fake.tick(1);
  equal(energy((await epyc.read())["package-0"]).energyJoules, 200);
  const counter = join(fake.dirs[0]!, "energy1_input");
  await Deno.writeTextFile(counter, `${"9".repeat(400)}\n`);
  match(failure((await epyc.read())["package-0"]), /energy1_input: a 400-digit number, no reading/);
  // Checked from the last good value: 3000 J in the 2 s since is more than 1125 W allows...
  await fake.setCounter("hwmon0/energy1_input", 200e6 + 3000e6);
  match(energy((await epyc.read())["package-0"]).rebased ?? "", /3000 J in 2\.000 s is more/);
  // ...and 400 J in the next second is counted.
  await fake.setCounter("hwmon0/energy1_input", 200e6 + 3000e6 + 400e6);
  equal(energy((await epyc.read())["package-0"]).energyJoules, 600);
});

Deno.test("a node's wall meter: bounded by its power cap, else 20 kW; its alarm threshold is no bound", async () => {
  await using dir = await tempDir();
  // lm-sensors#460 lists power1_average_max (an alarm the owner sets) among the meter's files.
  const listing = blockAfter(
    await readCapture("hwmon_acpi_power_meter_ls_and_error_value.txt"),
    /^--- \(a\) lm-sensors#460/,
  ).text;
  match(listing, /-rw-r--r-- .* power1_average_max\n/);
  const { dirs } = await createFakeHwmon(dir.path, [
    powerMeter({
      microwatts: 450_000_000,
      attributes: { power1_cap: "800000000", power1_average_max: "100000000" },
    }),
    powerMeter({ microwatts: 300_000_000, attributes: { power1_average_max: "unknown" } }),
  ]);
  const meters = await started(dir.path, "power-meter");
  deepEqual(plausible(meters.status), {
    "power-meter-0": {
      plausibleMaxWatts: 1600,
      plausibleBasis: "2 x its 800 W power cap (power1_cap)",
    },
    "power-meter-1": {
      plausibleMaxWatts: 20000,
      plausibleBasis: "no power cap stated; no single node draws more than 20000 W",
    },
  });
  const first = await meters.read();
  equal(energy(first["power-meter-0"]).energyJoules, 450, "above its alarm, and measured");
  equal(energy(first["power-meter-1"]).energyJoules, 300);
  // Just under the firmware's "no reading" value: 4.29 MW, no node's power.
  await Deno.writeTextFile(join(dirs[1]!, "device", "power1_average"), "4294967294000\n");
  match(failure((await meters.read())["power-meter-1"]), /4294967 W is above 20000 W/);
});

Deno.test("Grace: a module beyond the largest module's rating fails the remainder; the socket is read", async () => {
  await using dir = await tempDir();
  const capture = await readCapture("hwmon_grace_acpi_power_meter_SYNTHESIZED.txt");
  // "Grace (CPU socket; the only one advertising hardware power limits, so power1_cap* files
  // may also exist on it)": give it one.
  const lines = [...capture.text.split("\n"), "hwmon2/device/power1_cap|0444|500000000"];
  await writeHwmonListing(dir.path, lines);
  const grace = await started(dir.path, "power-meter");
  deepEqual(plausible(grace.status), {
    "grace-0": { plausibleMaxWatts: 1000, plausibleBasis: "2 x its 500 W power cap (power1_cap)" },
    "grace-module-rest": {
      plausibleMaxWatts: 5400,
      plausibleBasis:
        "2 x 2700 W, the rating of the largest Grace module (GB200: Grace and two Blackwell GPUs)",
    },
  });
  const module = join(dir.path, "class", "hwmon", "hwmon1", "device", "power1_average");
  await Deno.writeTextFile(module, "9000000000\n"); // 9 kW
  const read = await grace.read();
  match(failure(read["grace-module-rest"]), /9000 W is above 5400 W/);
  ok(energy(read["grace-0"]).energyJoules > 0);
});

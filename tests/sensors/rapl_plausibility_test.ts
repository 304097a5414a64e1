/**
 * RAPL counters that misbehave (issue 12): a step back read as a whole wrap, a reset to 0, a
 * value above the range, a 400-digit value, a jump no package can make. Each is a gap with its
 * reason for that zone, the others are counted, and the totals stay what was really used.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { denoRuntime, type Runtime, systemPaths } from "../../lib/runtime.ts";
import { createRaplSensor } from "../../lib/sensors/rapl.ts";
import { createSampler } from "../../lib/sampler/sampler.ts";
import { summarizeSamples } from "../../lib/log/summarize.ts";
import type { SampleRecord } from "../../lib/log/schema.ts";
import { type DeviceReading, isDeviceFailure } from "../../lib/types.ts";
import { createFakeRapl, type FakeRapl, INTEL_RANGE_UJ } from "../helpers/fake_sysfs.ts";
import { virtualRuntime } from "../helpers/fake_sensors.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const MID_RANGE_UJ = 100_000_000_000; // 100 kJ into the 262 kJ Intel range

/** A RAPL sensor over a fake tree, on a clock the test moves (`tick` seconds at a time). */
async function clockedRapl(root: string, runtime: Runtime = denoRuntime) {
  let clockMs = 0;
  const clocked: Runtime = { ...runtime, monotonicMs: () => clockMs };
  const sensor = createRaplSensor(clocked, { ...systemPaths(denoRuntime), sysfsRoot: root });
  const status = await sensor.probe();
  await sensor.start();
  return {
    sensor,
    status,
    /** Advances the clock and reads. */
    async read(seconds = 1): Promise<Record<string, DeviceReading>> {
      clockMs += seconds * 1000;
      const readings = await sensor.read();
      return Object.fromEntries(readings.map((r) => [r.device, r]));
    },
  };
}

function energyOf(reading: DeviceReading | undefined): number {
  if (!reading || isDeviceFailure(reading)) {
    throw new Error(`no energy: ${JSON.stringify(reading)}`);
  }
  return Math.round(reading.energyJoules * 1e6) / 1e6;
}

Deno.test("a counter stepping back 1 mJ is a reset, not a 262 kJ wrap: that read is rebased", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 2, startUj: MID_RANGE_UJ });
  const rapl = await clockedRapl(dir.path);
  await fake.advance({ "package-0": 50, "package-1": 40 });
  await rapl.read();
  await fake.setCounter("package-0", MID_RANGE_UJ + 50_000_000 - 1000); // back 1 mJ
  await fake.advance({ "package-1": 40 });
  const after = await rapl.read();
  const back = after["package-0"]!;
  ok(!isDeviceFailure(back));
  match(back.rebased ?? "", /energy_uj went back from 100050000000 to 100049999000 uJ/);
  match(back.rebased ?? "", /262143 J in 1\.000 s is more than the device can use/);
  match(back.rebased ?? "", /at most 750 W: 5 x the zone's 150 W power limit/);
  equal(back.powerWatts, undefined);
  equal(energyOf(back), 50, "nothing added for the step back");
  equal(energyOf(after["package-1"]), 80, "the other package is counted as usual");
  // Counting goes on from the new value.
  await fake.advance({ "package-0": 30 });
  const next = await rapl.read();
  equal(energyOf(next["package-0"]), 80);
  equal((next["package-0"] as { rebased?: string }).rebased, undefined);
});

Deno.test("a reset to 0 and a value above the range are a reset and a failed read", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 1, startUj: MID_RANGE_UJ });
  const rapl = await clockedRapl(dir.path);
  await fake.setCounter("package-0", 0);
  const reset = (await rapl.read())["package-0"]!;
  match((reset as { rebased?: string }).rebased ?? "", /went back from 100000000000 to 0 uJ/);
  equal(energyOf(reset), 0);
  await fake.advance({ "package-0": 20 });
  equal(energyOf((await rapl.read())["package-0"]), 20);
  // Above max_energy_range_uj: no counter value at all, so a failed read; the last good value
  // stays the baseline.
  const zone = fake.zones.find((z) => z.key === "package-0")!;
  await Deno.writeTextFile(zone.energyPath, `${INTEL_RANGE_UJ + 5}\n`);
  const above = (await rapl.read())["package-0"]!;
  ok(isDeviceFailure(above));
  equal(
    above.failure,
    `${zone.energyPath} holds ${INTEL_RANGE_UJ + 5}, above its max_energy_range_uj of ` +
      `${INTEL_RANGE_UJ} uJ: no counter value`,
  );
  await fake.advance({ "package-0": 10 }); // the counter file is rewritten from 20 J + 10 J
  equal(energyOf((await rapl.read())["package-0"]), 30);
});

Deno.test("a 400-digit energy_uj is a failed read naming the file, never Infinity or NaN", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 2, startUj: 1_000_000 });
  const rapl = await clockedRapl(dir.path);
  const zone = fake.zones.find((z) => z.key === "package-1")!;
  await Deno.writeTextFile(zone.energyPath, `${"9".repeat(400)}\n`);
  await fake.advance({ "package-0": 25 });
  const readings = await rapl.read();
  const huge = readings["package-1"]!;
  ok(isDeviceFailure(huge));
  match(huge.failure, /holds a 400-digit number, above its max_energy_range_uj/);
  equal(energyOf(readings["package-0"]), 25);
  for (const reading of Object.values(readings)) {
    if (!isDeviceFailure(reading)) ok(Number.isFinite(reading.energyJoules));
  }
});

Deno.test("a garbage counter at start does not stop the run: the zone counts from its first good value", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 1 });
  const zone = fake.zones.find((z) => z.key === "package-0")!;
  await Deno.writeTextFile(zone.energyPath, `${"1".repeat(400)}\n`);
  const rapl = await clockedRapl(dir.path);
  equal(rapl.status.available, true);
  ok(isDeviceFailure((await rapl.read())["package-0"]!));
  await fake.setCounter("package-0", 5_000_000);
  const first = (await rapl.read())["package-0"]!;
  match((first as { rebased?: string }).rebased ?? "", /first counter value/);
  await fake.advance({ "package-0": 12 });
  equal(energyOf((await rapl.read())["package-0"]), 12);
});

Deno.test("a jump forward no package can make is rebased; a real wrap at full power is counted", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, {
    sockets: 1,
    startUj: INTEL_RANGE_UJ - 100_000_000, // 100 J below the wrap
  });
  const rapl = await clockedRapl(dir.path);
  // 600 J in 1 s at a 150 W limit (4x it, under the 5x bound) wraps the counter: counted.
  await fake.advance({ "package-0": 600 });
  equal(energyOf((await rapl.read())["package-0"]), 600);
  // 100 kJ in 1 s is 100 kW: a glitch.
  await fake.advance({ "package-0": 100_000 });
  const jump = (await rapl.read())["package-0"]!;
  match(
    (jump as { rebased?: string }).rebased ?? "",
    /energy_uj jumped from .* 100000 J in 1\.000 s/,
  );
  equal(energyOf(jump), 600);
});

Deno.test("psys is rebased with a package inside it, so the package's unknown step is not psys's", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 1, psys: true, startUj: MID_RANGE_UJ });
  const rapl = await clockedRapl(dir.path);
  await fake.advance({ "package-0": 20, psys: 5 });
  const first = await rapl.read();
  deepEqual([energyOf(first["package-0"]), energyOf(first.psys)], [20, 5]);
  // package-0 steps back 1 mJ while the platform really used 25 J.
  await fake.setCounter("package-0", MID_RANGE_UJ + 20_000_000 - 1000);
  await fake.advance({ psys: 25 });
  const second = await rapl.read();
  match((second["package-0"] as { rebased?: string }).rebased ?? "", /went back/);
  equal(
    (second.psys as { rebased?: string }).rebased,
    "psys is the platform minus its packages and DRAM, and package-0 was rebased",
  );
  // Afterwards both count exactly what they used.
  await fake.advance({ "package-0": 10, psys: 3 });
  const third = await rapl.read();
  equal(energyOf(third["package-0"]) - energyOf(second["package-0"]), 10);
  equal(energyOf(third.psys) - energyOf(second.psys), 3);
});

Deno.test("a zone with a tiny max_energy_range_uj is left out, saying why", async () => {
  await using dir = await tempDir();
  await createFakeRapl(dir.path, { sockets: 1, maxEnergyRangeUj: 1000 });
  const status = await createRaplSensor(denoRuntime, {
    ...systemPaths(denoRuntime),
    sysfsRoot: dir.path,
  })
    .probe();
  equal(status.available, false);
  match(
    status.reason ?? "",
    /package-0 \(intel-rapl:0\) is left out: its max_energy_range_uj of 1000 uJ would have to be read every 0 ms at 750 W, more often than impact reads \(every 100 ms\)/,
  );
});

Deno.test("an AMD zone without a power limit is bounded by its CPU's TDP from the table", async () => {
  await using dir = await tempDir();
  await createFakeRapl(dir.path, { sockets: 1, vendor: "amd" });
  const sensor = createRaplSensor(
    denoRuntime,
    { ...systemPaths(denoRuntime), sysfsRoot: dir.path },
    {
      cpu: Promise.resolve({ model: "AMD EPYC 7742 64-Core Processor" }),
    },
  );
  const status = await sensor.probe();
  const [zone] = status.detail?.zones as { plausibleMaxWatts: number; plausibleBasis: string }[];
  equal(zone!.plausibleBasis, "5 x the 225 W TDP of AMD EPYC 7742 (data/cpu_tdp.json)");
  equal(zone!.plausibleMaxWatts, 1125);
});

/** Samples a fake tree at 1 s on a virtual clock; `between(n)` changes the tree after record n. */
async function sampleTree(
  fake: FakeRapl,
  ticks: number,
  between: (n: number) => Promise<void>,
): Promise<SampleRecord[]> {
  const runtime = virtualRuntime();
  const sensor = createRaplSensor(runtime, { ...systemPaths(denoRuntime), sysfsRoot: fake.root });
  await sensor.probe();
  const records: SampleRecord[] = [];
  const controller = new AbortController();
  const sampler = createSampler({
    runtime,
    sensors: [sensor],
    intervalMs: 1000,
    attribution: "whole-machine",
    async onSample(record) {
      records.push(record);
      if (records.length === ticks) controller.abort();
      else await between(records.length);
    },
  });
  await sampler.start();
  await sampler.run(controller.signal);
  return records;
}

Deno.test("a run whose counter steps back 1 mJ: one gap with the reason, sane totals and peak", async () => {
  await using dir = await tempDir();
  const fake = await createFakeRapl(dir.path, { sockets: 1, startUj: MID_RANGE_UJ });
  const records = await sampleTree(fake, 5, async (n) => {
    if (n === 2) {
      const zone = fake.zones.find((z) => z.key === "package-0")!;
      const now = Number(await Deno.readTextFile(zone.energyPath));
      await fake.setCounter("package-0", now - 1000);
    } else await fake.advance({ "package-0": 60 });
  });
  const summary = summarizeSamples(records, {
    start: "2026-01-01T00:00:00.000Z",
    end: "2026-01-01T00:00:06.000Z",
    exitCode: 0,
    attribution: "whole-machine",
    intervalSeconds: 1,
  });
  // 60 J a second for the measured seconds; the interval of the step back is a gap: no 262 kJ.
  equal(summary.totals.machineEnergyJoules, 180);
  ok(summary.power.peakWatts <= 60, `peak ${summary.power.peakWatts} W`);
  equal(summary.gaps?.length, 1);
  equal(summary.gaps![0]!.device, "package-0");
  match(summary.gaps![0]!.reason, /energy_uj went back .* so the counter was reset or misread/);
  equal(summary.components[0]!.unmeasuredSeconds, 1);
});

Deno.test("a placeholder limit of a gigawatt is no limit: the zone is bounded as if it had none", async () => {
  await using dir = await tempDir();
  await createFakeRapl(dir.path, { sockets: 1, packageMaxPowerUw: 1e15 });
  const status = await createRaplSensor(denoRuntime, {
    ...systemPaths(denoRuntime),
    sysfsRoot: dir.path,
  }).probe();
  equal(status.available, true);
  const [zone] = status.detail?.zones as { plausibleMaxWatts: number }[];
  equal(zone!.plausibleMaxWatts, 1000);
});

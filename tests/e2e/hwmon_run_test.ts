import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { readLogDir } from "../../lib/log/read.ts";
import { isolatedEnv, runImpact } from "../helpers/cli_process.ts";
import { readCapture } from "../helpers/captures.ts";
import {
  amdEnergy,
  amdgpu,
  createFakeHwmon,
  powerMeter,
  writeHwmonListing,
  xeCard,
} from "../helpers/fake_hwmon.ts";
import { fixturePath } from "../helpers/fixture_files.ts";
import { tempDir } from "../helpers/temp_dir.ts";

type Log = Awaited<ReturnType<typeof readLogDir>>;

/** The window the energy covers (baseline to last sample), wall clock, and its length. */
function windowOf(log: Log) {
  const first = log.samples[0]!;
  const last = log.samples.at(-1)!;
  const seconds = log.samples.reduce((sum, s) => sum + s.intervalSeconds, 0);
  return {
    fromMs: Date.parse(first.t) - first.intervalSeconds * 1000,
    toMs: Date.parse(last.t),
    seconds,
  };
}

function machineJoules(log: Log): Record<string, number> {
  return Object.fromEntries(log.summary.components.map((c) => [c.device, c.machineEnergyJoules]));
}

function within(measured: Record<string, number>, injected: Record<string, number>, share: number) {
  deepEqual(Object.keys(measured).sort(), Object.keys(injected).sort());
  for (const [device, joules] of Object.entries(injected)) {
    const got = measured[device]!;
    ok(
      Math.abs(got - joules) <= share * joules,
      `${device}: measured ${got} J, injected ${joules} J`,
    );
  }
}

/**
 * A command that adds energy to counter files (µJ, written through a rename as the kernel's
 * are read whole) in two steps, 2 s apart, then waits: every step falls between the run's
 * baseline (taken before the command starts) and its last sample (after it exits), so the
 * energy a run must report is known exactly, however loaded the machine.
 */
function stepCounters(steps: Record<string, number>): string[] {
  const write = (share: number) =>
    Object.entries(steps).map(([path, uj]) =>
      `printf '%s\\n' ${Math.round(uj * share)} > '${path}.tmp' && mv '${path}.tmp' '${path}'`
    ).join("; ");
  return ["sh", "-c", `${write(0.5)}; sleep 2; ${write(1)}; sleep 2`];
}

Deno.test("impact run on an x86 node (zenergy + MI250X + Arc + a wall meter): each component within 1%, nothing counted twice", async () => {
  await using dir = await tempDir();
  const sys = join(dir.path, "sys");
  const fake = await createFakeHwmon(sys, [
    { name: "k10temp", files: { temp1_input: "41000" } },
    amdEnergy({ coreWatts: [6, 6, 6, 6], socketWatts: [80, 60] }),
    amdgpu({ slot: "0000:c1:00.0", deviceId: "740c", watts: 400, capWatts: 560 }),
    amdgpu({ slot: "0000:c6:00.0", deviceId: "740c", capWatts: 0 }),
    xeCard({ slot: "0000:03:00.0", cardWatts: 200, pkgWatts: 150 }),
    powerMeter({ microwatts: 950_000_000 }),
  ]);
  const [zenergy, xe] = [fake.dirs[1]!, fake.dirs[4]!];
  // The joules each counter gains while the command runs; Ecore (energy1-4) and pkg (energy2
  // of the card) gain too, and must not be added.
  const gains = {
    [join(zenergy, "energy1_input")]: 30,
    [join(zenergy, "energy4_input")]: 30,
    [join(zenergy, "energy5_input")]: 320, // Esocket0
    [join(zenergy, "energy6_input")]: 240, // Esocket1
    [join(xe, "energy1_input")]: 800, // card
    [join(xe, "energy2_input")]: 600, // pkg, inside the card
  };
  const command = stepCounters(
    Object.fromEntries(Object.entries(gains).map(([path, joules]) => [path, joules * 1e6])),
  );
  const env = isolatedEnv(dir.path, { IMPACT_SYSFS_ROOT: sys });
  const logDir = join(dir.path, "log");
  const r = await runImpact(
    ["run", "--no-env", "--log-dir", logDir, "--", ...command],
    dir.path,
    env,
  );
  equal(r.code, 0, r.stderr);
  match(r.stderr, /gpu +amd-gpu-1 +integrated/);
  match(r.stderr, /gpu +intel-gpu-0 +counter/);
  match(r.stderr, /cpu +package-1 +counter/);
  match(r.stderr, /node +power-meter-0 +integrated/);
  match(
    r.stderr,
    /power-meter-0 is the whole node's meter: it contains the other rows, so it is not in the total/,
  );
  const log = await readLogDir(logDir);
  const { seconds } = windowOf(log);
  const injected = {
    "package-0": 320,
    "package-1": 240,
    "amd-gpu-0": 200 * seconds,
    "amd-gpu-1": 200 * seconds,
    "intel-gpu-0": 800,
    "power-meter-0": 950 * seconds,
  };
  ok(log.samples.length >= 3);
  within(machineJoules(log), injected, 0.01);
  // The total is the components', once each: no Ecore, no pkg, not the wall meter.
  const total = Object.entries(injected).filter(([d]) => d !== "power-meter-0")
    .reduce((sum, [, j]) => sum + j, 0);
  const measured = log.summary.totals.machineEnergyJoules;
  ok(Math.abs(measured - total) <= 0.01 * total, `total ${measured} J, injected ${total} J`);
  equal(
    log.summary.components.find((c) => c.device === "power-meter-0")!.attributedEnergyJoules,
    0,
  );
  deepEqual(
    log.info.gpus.map((g) => [g.device, g.name]),
    [
      ["amd-gpu-0", "AMD Instinct MI250X / MI250"],
      ["amd-gpu-1", "AMD Instinct MI250X / MI250"],
      ["intel-gpu-0", "Intel Arc Pro B70"],
    ],
  );

  // --require-gpu sees the AMD and Intel GPUs by name.
  const refused = await runImpact(
    [
      "run",
      "--no-env",
      "--require-gpu",
      "name=~MI250X",
      "--log-dir",
      join(dir.path, "log2"),
      "--",
      "true",
    ],
    dir.path,
    env,
  );
  equal(refused.code, 4, refused.stderr);
  match(
    refused.stderr,
    /GPU requirement name=~MI250X not met: found amd-gpu-0 "AMD Instinct MI250X \/ MI250", amd-gpu-1 "AMD Instinct MI250X \/ MI250", intel-gpu-0 "Intel Arc Pro B70"/,
  );
});

Deno.test("impact run on a Grace socket with its GH200 GPU: Grace, the GPU and the rest of the module within 1%, the module counted once", async () => {
  await using dir = await tempDir();
  const sys = join(dir.path, "sys");
  const listing = await writeHwmonListing(
    sys,
    (await readCapture("hwmon_grace_acpi_power_meter_SYNTHESIZED.txt")).text.split("\n"),
  );
  const meterWatts = (label: string) => {
    const hwmon = listing.find((l) => l.endsWith(`|${label} Power Socket 0`))!.split("/")[0];
    return Number(
      listing.find((l) => l.startsWith(`${hwmon}/device/power1_average|`))!.split("|")[2],
    ) / 1e6;
  };
  const gh200 = await readCapture("nvidia-smi_q_gh200_module_power.txt");
  const gpuWatts = Number(
    /GPU Power Readings\s*\n\s*Power Draw\s*:\s*([\d.]+) W/.exec(gh200.text)![1],
  );
  const watts = { module: meterWatts("Module"), grace: meterWatts("Grace"), gpu: gpuWatts };
  deepEqual(watts, { module: 216.054, grace: 93.254, gpu: 87.88 });
  const env = isolatedEnv(dir.path, {
    IMPACT_SYSFS_ROOT: sys,
    IMPACT_NVIDIA_SMI: fixturePath("fake-nvidia-smi"),
    FAKE_SMI_NAME: "NVIDIA GH200 480GB",
    FAKE_SMI_POWER_W: String(watts.gpu),
  });
  const logDir = join(dir.path, "log");
  const r = await runImpact(
    ["run", "--no-env", "--log-dir", logDir, "--", "sleep", "4"],
    dir.path,
    env,
  );
  equal(r.code, 0, r.stderr);
  match(r.stderr, /cpu +grace-0 +integrated/);
  match(r.stderr, /psys +grace-module-rest +integrated/);
  const log = await readLogDir(logDir);
  const { seconds } = windowOf(log);
  within(machineJoules(log), {
    "grace-0": watts.grace * seconds,
    "gpu-0": watts.gpu * seconds,
    "grace-module-rest": (watts.module - watts.grace - watts.gpu) * seconds,
  }, 0.01);
  const total = log.summary.totals.machineEnergyJoules;
  ok(Math.abs(total - watts.module * seconds) <= 0.01 * watts.module * seconds, `${total} J`);
  const meters = log.info.sensors.find((s) => s.sensor === "hwmon-power-meter")!;
  deepEqual(meters.detail?.inside, [
    "grace-module-rest is reported less gpu-0 (nvidia-smi), read inside it by another sensor",
  ]);
});

Deno.test("impact doctor lists every new source: what each device measures, and the fix for what cannot be read", async () => {
  await using dir = await tempDir();
  const sys = join(dir.path, "sys");
  await createFakeHwmon(sys, [
    amdgpu({ slot: "0000:c1:00.0", deviceId: "740c", watts: 400, capWatts: 560 }),
    amdgpu({ slot: "0000:c6:00.0", deviceId: "740c", capWatts: 0 }),
    powerMeter({ microwatts: "4294967295000" }),
  ]);
  const env = isolatedEnv(dir.path, {
    IMPACT_SYSFS_ROOT: sys,
    IMPACT_AMD_SMI: join(dir.path, "no-amd-smi"),
  });
  const r = await runImpact(["doctor"], dir.path, env);
  equal(r.code, 0, r.stderr);
  match(r.stdout, /amd-gpu-0: AMD Instinct MI250X \/ MI250 \(560 W limit\)/);
  match(r.stdout, /ok {3}hwmon-amdgpu \[integrated\]: amd-gpu-0, amd-gpu-1\n/);
  match(
    r.stdout,
    /measures amd-gpu-1 \(gpu\): half of its MI250\/MI250X package, whose power the primary die amd-gpu-0 reports/,
  );
  match(
    r.stdout,
    /no {3}amd-smi\n.*why: amd-smi was not found .*no-amd-smi\)\n.*fix: Install ROCm's amd-smi/,
  );
  match(
    r.stdout,
    /no {3}hwmon-power-meter\n.*why: nothing readable: power-meter-0: .*the firmware reports no reading/,
  );
  match(
    r.stdout,
    /no {3}hwmon-amd-energy\n.*\n.*fix: Where RAPL \(powercap\) is missing or root-only on an AMD CPU, load zenergy/,
  );
  match(r.stdout, /no {3}hwmon-intel-gpu\n/);
  const json = JSON.parse((await runImpact(["doctor", "--json"], dir.path, env)).stdout);
  const amd = json.sensors.find((s: { sensor: string }) => s.sensor === "hwmon-amdgpu");
  equal(amd.detail.measures.length, 2);
});

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { denoRuntime, type Runtime, systemPaths } from "../../lib/runtime.ts";
import { discoverSensors } from "../../lib/sensors/registry.ts";
import { gpusInsideModules } from "../../lib/sensors/registry_hwmon.ts";
import { createFakeRapl } from "../helpers/fake_sysfs.ts";
import { amdEnergy, amdgpu, createFakeHwmon, powerMeter, xeCard } from "../helpers/fake_hwmon.ts";
import { fixturePath } from "../helpers/fixture_files.ts";
import { tempDir } from "../helpers/temp_dir.ts";

/** The real runtime with a test's environment, recording the programs it starts. */
function runtimeWith(env: Record<string, string>, started: string[] = []): Runtime {
  return {
    ...denoRuntime,
    env: (name) => env[name],
    spawn(command, options = {}) {
      started.push(command);
      return denoRuntime.spawn(command, { ...options, env: { ...options.env, ...env } });
    },
    output(command, options = {}) {
      started.push(command);
      return denoRuntime.output(command, { ...options, env: { ...options.env, ...env } });
    },
  };
}

async function discover(env: Record<string, string>, started: string[] = []) {
  const runtime = runtimeWith(env, started);
  return await discoverSensors(runtime, systemPaths(runtime), { intervalMs: 1000, os: "linux" });
}

function baseEnv(dir: string, sysfs: string): Record<string, string> {
  return {
    IMPACT_SYSFS_ROOT: sysfs,
    IMPACT_PROCFS_ROOT: join(dir, "no-proc"),
    IMPACT_NVIDIA_SMI: join(dir, "no-nvidia-smi"),
    IMPACT_NVML_LIB: join(dir, "no-nvml.so"),
    PATH: "/usr/bin:/bin",
  };
}

Deno.test("amd-smi is preferred to hwmon for the AMD GPUs it reads, and the statuses say which was used", async () => {
  await using dir = await tempDir();
  const sys = join(dir.path, "sys");
  await createFakeHwmon(sys, [
    amdgpu({ slot: "0000:23:00.0", deviceId: "740f", watts: 90, capWatts: 300 }),
  ]);
  const d = await discover({
    ...baseEnv(dir.path, sys),
    IMPACT_AMD_SMI: fixturePath("fake-amd-smi"),
    FAKE_AMD_SMI_NAME: "Instinct MI210",
  });
  try {
    ok(d.sensors.some((s) => s.name === "amd-smi"));
    equal(d.sensors.some((s) => s.name === "hwmon-amdgpu"), false);
    const hwmon = d.statuses.find((s) => s.sensor === "hwmon-amdgpu")!;
    equal(hwmon.available, false);
    match(hwmon.reason ?? "", /amd-gpu-0 \(hwmon0, 0000:23:00\.0\): read by amd-smi instead/);
    deepEqual(d.gpus.map((g) => [g.device, g.name]), [["amd-gpu-0", "AMD Instinct MI210"]]);
  } finally {
    await d.close();
  }
});

Deno.test("without an AMD GPU in hwmon, amd-smi is not started; hwmon finds the rest by name", async () => {
  await using dir = await tempDir();
  const sys = join(dir.path, "sys");
  await createFakeHwmon(sys, [
    { name: "nvme", files: { temp1_input: "30000" } },
    xeCard({ slot: "0000:03:00.0", cardWatts: 200, pkgWatts: 150 }),
    powerMeter({ microwatts: 600_000_000 }),
  ]);
  const started: string[] = [];
  const d = await discover(baseEnv(dir.path, sys), started);
  try {
    equal(started.filter((c) => c.includes("amd-smi")).length, 0);
    match(d.statuses.find((s) => s.sensor === "amd-smi")!.reason ?? "", /not tried: no AMD GPU/);
    deepEqual(
      d.sensors.map((s) => s.name).filter((n) => n.startsWith("hwmon")),
      ["hwmon-intel-gpu", "hwmon-power-meter"],
    );
    deepEqual(d.gpus.map((g) => [g.device, g.name]), [["intel-gpu-0", "Intel Arc Pro B70"]]);
    // The wall meter is no CPU counter: the CPU is still estimated.
    ok(d.statuses.some((s) => s.sensor === "estimate"));
  } finally {
    await d.close();
  }
});

Deno.test("zenergy reads the CPU only where RAPL does not; then no estimate is needed", async () => {
  await using dir = await tempDir();
  const sys = join(dir.path, "sys");
  await createFakeHwmon(sys, [amdEnergy({ coreWatts: [5, 5], socketWatts: [60] })]);
  const without = await discover(baseEnv(dir.path, sys));
  try {
    ok(without.sensors.some((s) => s.name === "hwmon-amd-energy"));
    equal(without.statuses.some((s) => s.sensor === "estimate"), false);
  } finally {
    await without.close();
  }
  await createFakeRapl(sys, { sockets: 1, vendor: "amd" });
  const withRapl = await discover(baseEnv(dir.path, sys));
  try {
    equal(withRapl.sensors.some((s) => s.name === "hwmon-amd-energy"), false);
    const status = withRapl.statuses.find((s) => s.sensor === "hwmon-amd-energy")!;
    match(status.reason ?? "", /not used: RAPL \(powercap\) reads the same CPU sockets/);
    deepEqual(status.devices, ["package-0"]);
  } finally {
    await withRapl.close();
  }
});

Deno.test("an APU's CPU is taken out with what RAPL reads; a Grace module's GPU with what the GPU sensor reads", async () => {
  await using dir = await tempDir();
  const sys = join(dir.path, "sys");
  await createFakeHwmon(sys, [
    amdgpu({ slot: "0000:04:00.0", deviceId: "163f", watts: 15, label: "slowPPT" }),
    powerMeter({ microwatts: 216_054_000, oemInfo: "Module Power Socket 0" }),
    powerMeter({ microwatts: 93_254_000, oemInfo: "Grace Power Socket 0" }),
  ]);
  await createFakeRapl(sys, { sockets: 1, vendor: "amd" });
  const d = await discover({
    ...baseEnv(dir.path, sys),
    IMPACT_NVIDIA_SMI: fixturePath("fake-nvidia-smi"),
    FAKE_SMI_NAME: "NVIDIA GH200 480GB",
  });
  try {
    const apu = d.statuses.find((s) => s.sensor === "hwmon-amdgpu")!;
    deepEqual(apu.detail?.inside, [
      "amd-apu-0 is reported less the CPU packages rapl reads, read inside it by another sensor",
    ]);
    const grace = d.statuses.find((s) => s.sensor === "hwmon-power-meter")!;
    deepEqual(grace.devices, ["grace-0", "grace-module-rest"]);
    deepEqual(grace.detail?.inside, [
      "grace-module-rest is reported less gpu-0 (nvidia-smi), read inside it by another sensor",
    ]);
    deepEqual(d.sensors.map((s) => s.name), [
      "rapl",
      "nvidia-smi",
      "hwmon-amdgpu",
      "hwmon-power-meter",
    ]);
  } finally {
    await d.close();
  }
});

Deno.test("NVML's module power scope marks a GPU as inside its Grace module", () => {
  const nvml = {
    sensor: "nvml",
    available: true,
    methods: ["counter" as const],
    devices: ["gpu-0", "gpu-1"],
    detail: {
      gpuDetail: {
        "gpu-0": { powerScopes: { gpu: 87.88, module: 169.77 } },
        "gpu-1": { powerScopes: { gpu: 300, module: "Not Supported (NVML error 3)" } },
      },
    },
  };
  deepEqual([...gpusInsideModules([nvml], [{ index: 1, name: "NVIDIA H100 PCIe" }])], ["gpu-0"]);
  deepEqual([...gpusInsideModules([], [{ index: 0, name: "NVIDIA GH200 480GB" }])], ["gpu-0"]);
});

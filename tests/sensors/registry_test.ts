import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { denoRuntime, systemPaths } from "../../lib/runtime.ts";
import { discoverSensors } from "../../lib/sensors/registry.ts";
import { createFakeProc, fakeCpuinfo } from "../helpers/fake_procfs.ts";
import { createFakeRapl } from "../helpers/fake_sysfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

function runtimeWith(env: Record<string, string>) {
  return { ...denoRuntime, env: (name: string) => env[name] };
}

Deno.test("registry: RAPL counters found, no estimate, every status listed", async () => {
  await using dir = await tempDir();
  const rapl = await createFakeRapl(join(dir.path, "sys"), { sockets: 2, dram: true });
  const proc = await createFakeProc(join(dir.path, "proc"), {
    cpuinfo: fakeCpuinfo({ model: "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", sockets: 2 }),
  });
  const runtime = runtimeWith({
    IMPACT_SYSFS_ROOT: rapl.root,
    IMPACT_PROCFS_ROOT: proc.root,
    IMPACT_NVIDIA_SMI: join(dir.path, "none"),
  });
  const d = await discoverSensors(runtime, systemPaths(runtime), { intervalMs: 1000, os: "linux" });
  try {
    const rapl = d.statuses.find((s) => s.sensor === "rapl");
    ok(rapl?.available);
    deepEqual(rapl.devices.toSorted(), ["dram-0", "dram-1", "package-0", "package-1"]);
    deepEqual(d.sensors.map((s) => s.name), ["rapl"]);
    equal(d.statuses.some((s) => s.sensor === "estimate"), false);
    ok(d.usage);
    equal(d.cpu.sockets, 2);
  } finally {
    await d.close();
  }
});

Deno.test("registry: without a readable counter the CPU is estimated, and says so", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), {
    cpuinfo: fakeCpuinfo({ model: "AMD EPYC 7763 64-Core Processor" }),
  });
  const runtime = runtimeWith({
    IMPACT_SYSFS_ROOT: join(dir.path, "empty-sys"),
    IMPACT_PROCFS_ROOT: proc.root,
    IMPACT_NVIDIA_SMI: join(dir.path, "none"),
  });
  const d = await discoverSensors(runtime, systemPaths(runtime), { intervalMs: 1000, os: "linux" });
  try {
    equal(d.statuses.find((s) => s.sensor === "rapl")?.available, false);
    const estimate = d.statuses.find((s) => s.sensor === "estimate");
    ok(estimate?.available, JSON.stringify(estimate));
    deepEqual(estimate.methods, ["estimate"]);
    deepEqual(d.sensors.map((s) => s.name), ["estimate"]);
  } finally {
    await d.close();
  }
});

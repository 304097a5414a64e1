import { deepEqual } from "node:assert/strict";
import { denoRuntime } from "../../lib/runtime.ts";
import { parseCpuinfo, readCpuInventory } from "../../lib/sensors/cpu_inventory.ts";
import { createFakeProc, fakeCpuinfo, fakeMachinePaths } from "../helpers/fake_procfs.ts";
import { writeFakeCpuTopology } from "../helpers/fake_sysfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const fixtures = new URL("../fixtures/", import.meta.url);

Deno.test("cpuinfo gives model, vendor, sockets, cores and threads (Intel, AMD, ARM)", async () => {
  const intel = parseCpuinfo(
    fakeCpuinfo({ model: "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", sockets: 2 }),
  );
  deepEqual(intel, {
    model: "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz",
    vendor: "GenuineIntel",
    threads: 8,
    sockets: 2,
    cores: 4,
  });
  const amd = parseCpuinfo(
    await Deno.readTextFile(new URL("cpu_cpuinfo_amd_2socket.txt", fixtures)),
  );
  deepEqual(amd, {
    model: "AMD EPYC 7713 64-Core Processor",
    vendor: "AuthenticAMD",
    threads: 6,
    sockets: 2,
    cores: 6,
  });
  const arm = parseCpuinfo(
    await Deno.readTextFile(new URL("cpu_cpuinfo_arm64_neoverse.txt", fixtures)),
  );
  deepEqual(arm, { model: "ARM Neoverse-N1", vendor: "ARM", threads: 4 });
});

Deno.test("the inventory takes sockets and cores from sysfs topology and memory from meminfo", async () => {
  await using dir = await tempDir();
  const paths = fakeMachinePaths(dir.path);
  await createFakeProc(paths.procfsRoot, {
    cpuinfo: await Deno.readTextFile(new URL("cpu_cpuinfo_arm64_neoverse.txt", fixtures)),
    memTotalKib: 1000,
  });
  await writeFakeCpuTopology(paths.sysfsRoot, { sockets: 2, coresPerSocket: 2, threadsPerCore: 1 });
  deepEqual(await readCpuInventory(denoRuntime, paths), {
    model: "ARM Neoverse-N1",
    vendor: "ARM",
    threads: 4,
    sockets: 2,
    cores: 4,
    memoryTotalBytes: 1000 * 1024,
  });
});

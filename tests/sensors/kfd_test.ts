import { deepEqual } from "node:assert/strict";
import { join } from "node:path";
import { createHwmonSensor } from "../../lib/sensors/hwmon.ts";
import { scanHwmon } from "../../lib/sensors/hwmon_scan.ts";
import { createKfdProcesses } from "../../lib/sensors/kfd.ts";
import { amdgpu, createFakeHwmon } from "../helpers/fake_hwmon.ts";
import { readEnergies, virtualRuntime } from "../helpers/fake_sensors.ts";
import { tempDir } from "../helpers/temp_dir.ts";

/** KFD's topology node of a GPU and the processes that opened it, as the driver lays them out. */
async function kfdTree(
  root: string,
  nodes: { gpuId: number; locationId: number }[],
  procs: Record<number, number[]>,
) {
  const kfd = join(root, "class", "kfd", "kfd");
  const cpu = join(kfd, "topology", "nodes", "0");
  await Deno.mkdir(cpu, { recursive: true });
  await Deno.writeTextFile(join(cpu, "gpu_id"), "0\n");
  await Deno.writeTextFile(
    join(cpu, "properties"),
    "cpu_cores_count 64\nlocation_id 0\ndomain 0\n",
  );
  for (const [i, node] of nodes.entries()) {
    const dir = join(kfd, "topology", "nodes", String(i + 1));
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, "gpu_id"), `${node.gpuId}\n`);
    await Deno.writeTextFile(
      join(dir, "properties"),
      `cpu_cores_count 0\nsimd_count 440\nlocation_id ${node.locationId}\ndomain 0\n`,
    );
  }
  for (const [pid, gpuIds] of Object.entries(procs)) {
    const dir = join(kfd, "proc", pid);
    await Deno.mkdir(dir, { recursive: true });
    for (const id of gpuIds) await Deno.writeTextFile(join(dir, `vram_${id}`), "4096\n");
  }
}

Deno.test("KFD ties processes to an amdgpu device by PCI address: the job's processes on each GPU", async () => {
  await using dir = await tempDir();
  await createFakeHwmon(dir.path, [
    amdgpu({ slot: "0000:c1:00.0", deviceId: "740f", watts: 300, capWatts: 300 }),
    amdgpu({ slot: "0000:c9:00.0", deviceId: "740f", watts: 250, capWatts: 300 }),
  ]);
  // location_id = bus << 8 | device << 3 | function: 0xc100 and 0xc900.
  await kfdTree(dir.path, [{ gpuId: 5027, locationId: 0xc100 }, {
    gpuId: 61712,
    locationId: 0xc900,
  }], {
    4242: [5027],
    4343: [5027, 61712],
  });
  const runtime = virtualRuntime();
  const processes = createKfdProcesses(runtime, dir.path, 0);
  deepEqual([...await processes.gpuIdsBySlot()].sort(), [["0000:c1:00.0", [5027]], [
    "0000:c9:00.0",
    [61712],
  ]]);
  const sensor = createHwmonSensor(runtime, await scanHwmon(runtime, dir.path), "amdgpu", {
    processes,
  });
  await sensor.start();
  await processes.settle();
  runtime.advance(1000);
  const readings = await readEnergies(sensor);
  deepEqual(readings.map((r) => [r.device, r.processIds?.sort()]), [
    ["amd-gpu-0", [4242, 4343]],
    ["amd-gpu-1", [4343]],
  ]);
  await sensor.close();
});

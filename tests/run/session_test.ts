import { deepEqual } from "node:assert/strict";
import { join } from "node:path";
import { readLogDir } from "../../lib/log/read.ts";
import { LogWriter } from "../../lib/log/write.ts";
import { startSession } from "../../lib/run/session.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import type { GpuInfo } from "../../lib/types.ts";
import { type FakeDevice, FakeSensor, fakeUsage } from "../helpers/fake_sensors.ts";
import { runInfo } from "../helpers/log_records.ts";

/** A short session of the job (pid 4242) over `readings`; impact.json as it ends and as read back. */
async function sessionOver(sensorName: string, readings: FakeDevice[], gpus: GpuInfo[]) {
  const dir = await Deno.makeTempDir();
  try {
    const sensor = new FakeSensor(sensorName, denoRuntime, readings);
    const info = runInfo();
    info.gpus = gpus;
    const logDir = join(dir, "log");
    const writer = await LogWriter.create({ path: logDir, explicit: true });
    const session = await startSession({
      runtime: denoRuntime,
      discovery: {
        sensors: [sensor],
        statuses: [],
        cpu: {},
        gpus: info.gpus,
        usage: fakeUsage(denoRuntime, { jobCpus: 1, busyCpus: 2, cpus: 4, pids: [4242] }),
        close: () => sensor.close(),
      },
      writer,
      info,
      rootPid: 4242,
      intervalMs: 20,
    });
    await new Promise((r) => setTimeout(r, 60));
    const end = await session.stop({ exitCode: 0 });
    return { end, log: await readLogDir(logDir) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("impact.json marks each GPU used or not by the job, from what the sampler saw", async () => {
  const { end, log } = await sessionOver("nvml", [
    { component: "gpu", device: "gpu-0", powerWatts: 100, processIds: [4242] },
    { component: "gpu", device: "gpu-1", powerWatts: 50, processIds: [777] },
  ], [
    { index: 0, name: "Fake GPU" },
    { index: 1, name: "Fake GPU" },
    { index: 2, name: "Unread GPU" },
  ]);
  const used = end.info.gpus.map((g) => [g.index, g.usedByJob]);
  deepEqual(used, [[0, true], [1, false], [2, undefined]]);
  deepEqual(log.info.gpus.map((g) => g.usedByJob), [true, false, undefined]);
});

Deno.test("AMD GPUs are matched by the device id their sensor reports (amd-gpu-N)", async () => {
  const { end, log } = await sessionOver("amd-smi", [
    { component: "gpu", device: "amd-gpu-0", powerWatts: 300, processIds: [4242] },
    { component: "gpu", device: "amd-gpu-1", powerWatts: 90, processIds: [777] },
  ], [
    { index: 0, name: "AMD Instinct MI250X", device: "amd-gpu-0" },
    { index: 1, name: "AMD Instinct MI250X", device: "amd-gpu-1" },
  ]);
  deepEqual(end.info.gpus.map((g) => [g.device, g.usedByJob]), [
    ["amd-gpu-0", true],
    ["amd-gpu-1", false],
  ]);
  deepEqual(log.info.gpus.map((g) => g.usedByJob), [true, false]);
});

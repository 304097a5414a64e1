import { deepEqual } from "node:assert/strict";
import { join } from "node:path";
import { readLogDir } from "../../lib/log/read.ts";
import { LogWriter } from "../../lib/log/write.ts";
import { startSession } from "../../lib/run/session.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import { FakeSensor, fakeUsage } from "../helpers/fake_sensors.ts";
import { runInfo } from "../helpers/log_records.ts";

Deno.test("impact.json marks each GPU used or not by the job, from what the sampler saw", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sensor = new FakeSensor("nvml", denoRuntime, [
      { component: "gpu", device: "gpu-0", powerWatts: 100, processIds: [4242] },
      { component: "gpu", device: "gpu-1", powerWatts: 50, processIds: [777] },
    ]);
    const info = runInfo();
    info.gpus = [
      { index: 0, name: "Fake GPU" },
      { index: 1, name: "Fake GPU" },
      { index: 2, name: "Unread GPU" },
    ];
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
    const used = end.info.gpus.map((g) => [g.index, g.usedByJob]);
    deepEqual(used, [[0, true], [1, false], [2, undefined]]);
    const log = await readLogDir(logDir);
    deepEqual(log.info.gpus.map((g) => g.usedByJob), [true, false, undefined]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * `impact run` over the NVML stub built as each driver branch (tests/fixtures/nvml_stub.c):
 * never a crash, counter energy for every GPU the job may open, and the GPU the job's process
 * runs on (its pid listed last of 9) charged to the job.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { readLogDir } from "../../lib/log/read.ts";
import { isolatedEnv, runImpact } from "../helpers/cli_process.ts";
import { buildNvmlStubs, STUB_BRANCHES } from "../helpers/nvml_stub.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const stubs = await buildNvmlStubs();
globalThis.addEventListener("unload", () => {
  if (stubs) Deno.removeSync(stubs.dir, { recursive: true });
});

/** Watts the stub's counters grow by on every GPU. */
const WATTS = 120;

Deno.test({
  name:
    "over every driver branch, impact run counts each GPU it may open and finds the job's pid last of 9",
  ignore: !stubs,
  async fn() {
    await using dir = await tempDir();
    // GPU 1 runs 8 other processes, then the job; GPU 2 is outside the job's device cgroup.
    const others = Array.from({ length: 8 }, (_, i) => `1:${51000 + i * 7}`).join(",");
    const job = (procs: string) =>
      `printf '0:61001,0:61002,${others},1:%s' $$ > '${procs}'; sleep 1.5`;
    const runs = await Promise.all(STUB_BRANCHES.map(async ({ branch }) => {
      const procs = join(dir.path, `procs-${branch}`);
      const logDir = join(dir.path, `log-${branch}`);
      const env = isolatedEnv(dir.path, {
        IMPACT_NVML_LIB: stubs!.libraries.get(branch)!,
        STUB_NVML_GPUS: "3",
        STUB_NVML_HANDLE_ERRORS: "2:4",
        STUB_NVML_ENERGY_MJ_PER_S: String(WATTS * 1000),
        STUB_NVML_PROCS_FILE: procs,
      });
      const argv = ["run", "--no-env", "--interval", "0.25", "--log-dir", logDir, "--"];
      const result = await runImpact([...argv, "sh", "-c", job(procs)], dir.path, env);
      return { branch, result, logDir };
    }));
    for (const { branch, result, logDir } of runs) {
      const where = `driver branch ${branch}: ${result.stderr}`;
      equal(result.code, 0, where);
      const log = await readLogDir(logDir);
      const nvml = log.info.sensors.find((s) => s.sensor === "nvml");
      equal(nvml?.available, true, where);
      match(String((nvml?.detail?.skipped as string[])[0]), /gpu-2: .*NVML error 4/, where);
      const gpus = log.summary.components.filter((c) => c.component === "gpu");
      deepEqual(gpus.map((c) => [c.device, c.method]), [["gpu-0", "counter"], [
        "gpu-1",
        "counter",
      ]]);
      for (const gpu of gpus) {
        const expected = WATTS * log.summary.durationSeconds;
        ok(
          Math.abs(gpu.machineEnergyJoules - expected) <= 0.02 * expected,
          `${where}: ${gpu.device} ${gpu.machineEnergyJoules} J, expected ${expected} J`,
        );
      }
      deepEqual(log.info.gpus.map((g) => [g.index, g.usedByJob]), [[0, false], [1, true]], where);
      equal(gpus[0]!.attributedEnergyJoules, 0, where);
      // Charged whole from the interval its pid was first seen on the GPU.
      const last = log.samples.at(-2)!.devices.find((d) => d.device === "gpu-1")!;
      equal(last.attributedEnergyJoules, last.machineEnergyJoules, where);
      ok(gpus[1]!.attributedEnergyJoules > 0.5 * gpus[1]!.machineEnergyJoules, where);
      deepEqual(log.summary.gaps, [], where);
    }
  },
});

Deno.test({
  name: "a job on one MIG slice is charged the slice's share of its GPU, said in impact.json",
  ignore: !stubs,
  async fn() {
    await using dir = await tempDir();
    const logDir = join(dir.path, "log");
    const env = isolatedEnv(dir.path, {
      IMPACT_NVML_LIB: stubs!.libraries.get(580065)!,
      STUB_NVML_GPUS: "2",
      STUB_NVML_MIG_GPUS: "1",
      STUB_NVML_MIG_DEVICES: "1:3,1:4",
      STUB_NVML_ENERGY_MJ_PER_S: String(WATTS * 1000),
      CUDA_VISIBLE_DEVICES: "MIG-5705b000-0000-4000-9000-000000100000",
    });
    const argv = ["run", "--no-env", "--interval", "0.25", "--log-dir", logDir, "--"];
    const result = await runImpact([...argv, "sleep", "1"], dir.path, env);
    equal(result.code, 0, result.stderr);
    const log = await readLogDir(logDir);
    const visibility = log.info.gpuVisibility!;
    deepEqual([visibility.source, visibility.rule], ["CUDA_VISIBLE_DEVICES", "uuid"]);
    deepEqual(visibility.gpus, [{
      device: "gpu-1",
      index: 1,
      uuid: "GPU-5705b000-0000-4000-8000-000000000001",
      share: 3 / 7,
      migDevices: ["MIG-5705b000-0000-4000-9000-000000100000"],
      shareBasis: "3 of 7 compute slices",
    }]);
    const [gpu0, gpu1] = log.summary.components;
    equal(gpu0!.attributedEnergyJoules, 0);
    const share = gpu1!.attributedEnergyJoules / gpu1!.machineEnergyJoules;
    ok(Math.abs(share - 3 / 7) < 1e-9, `${share}`);
    match(
      result.stderr,
      /gpu-1: 43% of its energy is the job's: MIG slice MIG-5705b000-0000-4000-9000-000000100000 \(3 of 7 compute slices\)/,
    );
  },
});

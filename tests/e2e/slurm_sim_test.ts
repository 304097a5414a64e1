import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readLogs } from "../../lib/report/read_logs.ts";
import type { MergedJobFigures } from "../../lib/accounting/merge_nodes.ts";
import { runCli } from "../../lib/cli/app.ts";
import { readLogDir } from "../../lib/log/read.ts";
import { captureContext } from "../helpers/context.ts";
import { isolatedEnv, runImpact } from "../helpers/cli_process.ts";
import { createFakeRapl, type FakeRapl } from "../helpers/fake_sysfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const FAKE_SMI = fileURLToPath(new URL("../fixtures/fake-nvidia-smi", import.meta.url));
const NODES = 4;
const TASKS_PER_NODE = 2;
const GPUS = 8;
const JOB = "9001";

Deno.test("a simulated 4-node x 8-GPU SLURM job: each node sampled once, merged energy equals the injected", async () => {
  await using dir = await tempDir();
  const nodes: { name: string; rapl: FakeRapl; gpuWatts: number }[] = [];
  for (let n = 0; n < NODES; n++) {
    const rapl = await createFakeRapl(join(dir.path, `sys-${n}`), { sockets: 2, dram: true });
    rapl.setPower("package-0", 50 + 10 * n);
    rapl.setPower("package-1", 40 + 5 * n);
    rapl.setPower("dram-0", 5);
    rapl.setPower("dram-1", 3 + n);
    nodes.push({ name: `gpu-n${n}`, rapl, gpuWatts: 200 + 25 * n });
  }
  const logRoot = join(dir.path, "logs");
  const tickers = nodes.map((node) => node.rapl.startTicking(10));
  let results;
  try {
    results = await Promise.all(
      nodes.flatMap((node, n) =>
        Array.from({ length: TASKS_PER_NODE }, (_, local) => {
          const rank = n * TASKS_PER_NODE + local;
          const perTask = GPUS / TASKS_PER_NODE;
          const env = isolatedEnv(dir.path, {
            IMPACT_SYSFS_ROOT: node.rapl.root,
            IMPACT_NVIDIA_SMI: FAKE_SMI,
            FAKE_SMI_GPUS: String(GPUS),
            FAKE_SMI_POWER_W: String(node.gpuWatts),
            IMPACT_LOG_DIR: logRoot,
            SLURM_JOB_ID: JOB,
            SLURM_STEP_ID: "0",
            SLURM_JOB_USER: "ada",
            SLURM_JOB_PARTITION: "gpu",
            SLURMD_NODENAME: node.name,
            SLURM_NODEID: String(n),
            SLURM_PROCID: String(rank),
            SLURM_LOCALID: String(local),
            SLURM_NTASKS: String(NODES * TASKS_PER_NODE),
            SLURM_JOB_GPUS: Array.from({ length: GPUS }, (_, i) => i).join(","),
            CUDA_VISIBLE_DEVICES: Array.from({ length: perTask }, (_, i) => local * perTask + i)
              .join(","),
          });
          return runImpact(
            ["run", "--no-env", "--quiet", "--interval", "0.5", "--", "sleep", "4"],
            dir.path,
            env,
          );
        })
      ),
    );
  } finally {
    await Promise.all(tickers.map((t) => t.stop()));
  }
  results.forEach((r, i) => equal(r.code, 0, `task ${i}: ${r.stderr}`));

  // What the fakes injected while each node's sampler measured.
  let injected = 0;
  let samplerJoules = 0;
  for (const [n, node] of nodes.entries()) {
    const log = await readLogDir(join(logRoot, JOB, node.name, "step-0", "node"));
    const first = log.samples[0]!;
    const last = log.samples.at(-1)!;
    const fromMs = Date.parse(first.t) - first.intervalSeconds * 1000;
    const seconds = log.samples.reduce((s, x) => s + x.intervalSeconds, 0);
    injected += tickers[n]!.machineJoulesBetween(fromMs, Date.parse(last.t)) +
      node.gpuWatts * GPUS * seconds;
    samplerJoules += log.summary.totals.machineEnergyJoules;
    equal(log.info.slurm?.nodeSampler, true);
    equal(log.samples.at(-1)?.slurm?.jobId, JOB);
    // The other task on the node read no device of it.
    const task = await readLogDir(join(logRoot, JOB, node.name, "step-0", `task-${2 * n + 1}`));
    equal(task.info.slurm?.nodeSampler, false);
    equal(task.summary.totals.machineEnergyJoules, 0);
    ok(task.samples.every((s) => s.devices.length === 0));
  }

  const figures = await readLogs([logRoot], { pue: 1 });
  equal(figures.runs.length, 1);
  deepEqual(figures.warnings, []);
  const job = figures.runs[0] as MergedJobFigures;
  equal(job.jobId, JOB);
  deepEqual(job.nodes.map((n) => n.node), nodes.map((n) => n.name));
  ok(job.nodes.every((n) => n.samplerDir?.endsWith(join("step-0", "node"))));
  deepEqual(job.nodes.map((n) => n.taskRanks), [[0, 1], [2, 3], [4, 5], [6, 7]]);
  const measured = job.summary.totals.machineEnergyJoules;
  // The merge adds the node samplers' energy exactly, and the task logs' nothing.
  ok(
    Math.abs(measured - samplerJoules) < 1e-6,
    `merged ${measured} J, samplers ${samplerJoules} J`,
  );
  // Against the fakes, within the 0.5%.
  ok(
    Math.abs(measured - injected) <= 0.005 * injected,
    `merged ${measured} J, injected ${injected} J (${
      ((measured / injected - 1) * 100).toFixed(3)
    }%)`,
  );
  equal(job.summary.components.length, NODES * (4 + GPUS));

  const ctx = captureContext(undefined, dir.path);
  equal(await runCli(["summary", "--json", "--pue", "1", logRoot], ctx), 0);
  const json = JSON.parse(ctx.out());
  equal(json.total.runs, 1);
  equal(json.runs[0].nodes.length, NODES);
  ok(Math.abs(json.total.itEnergyKwh - job.itEnergyKwh) < 1e-12);
});

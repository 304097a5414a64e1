import { deepEqual, equal, throws } from "node:assert/strict";
import { join } from "node:path";
import { parseSlurmEnv, slurmLogLayout } from "../../lib/cluster/slurm.ts";
import { resolveGpus } from "../../lib/sensors/gpu_visibility.ts";
import { blockAfter, readCapture } from "../helpers/captures.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("parseSlurmEnv reads a GPU batch job's environment into the logged info", () => {
  const task = parseSlurmEnv(envOf({
    SLURM_JOB_ID: "4100200",
    SLURM_JOBID: "4100200",
    SLURMD_NODENAME: "gpu-a17",
    SLURM_PROCID: "5",
    SLURM_LOCALID: "1",
    SLURM_JOB_USER: "ada",
    USER: "someone-else",
    SLURM_JOB_PARTITION: "gpu",
    SLURM_JOB_ACCOUNT: "lab7",
    SLURM_NTASKS: "8",
    SLURM_JOB_NUM_NODES: "4",
    SLURM_NODEID: "2",
    SLURM_STEP_ID: "0",
    SLURM_NODE_ALIASES: "(null)",
  }));
  deepEqual(task?.info, {
    jobId: "4100200",
    stepId: "0",
    node: "gpu-a17",
    taskRank: 5,
    localId: 1,
    user: "ada",
    partition: "gpu",
    account: "lab7",
  });
  equal(task?.ntasks, 8);
  equal(task?.numNodes, 4);
  equal(task?.nodeId, 2);
});

Deno.test("parseSlurmEnv: outside SLURM gives undefined; legacy names and special steps work", () => {
  equal(parseSlurmEnv(envOf({ USER: "ada" })), undefined);
  const task = parseSlurmEnv(
    envOf({ SLURM_JOBID: "12", SLURM_STEPID: "4294967290", USER: "bo" }),
    "n1",
  );
  deepEqual(task?.info, { jobId: "12", stepId: "interactive", node: "n1", user: "bo" });
  equal(
    parseSlurmEnv(envOf({ SLURM_JOB_ID: "3", SLURM_STEP_ID: "4294967291" }))?.info.stepId,
    "batch",
  );
});

Deno.test("parseSlurmEnv names the variable that is malformed", () => {
  throws(
    () => parseSlurmEnv(envOf({ SLURM_JOB_ID: "1", SLURM_PROCID: "x" })),
    /SLURM_PROCID .*"x"/,
  );
  // Decimal only, as every number the tool reads: not 16 nor 1000.
  for (const text of ["0x10", "1e3"]) {
    throws(
      () => parseSlurmEnv(envOf({ SLURM_JOB_ID: "1", SLURM_LOCALID: text })),
      new RegExp(`SLURM_LOCALID must be a non-negative integer, found "${text}"`),
    );
  }
  throws(() => parseSlurmEnv(envOf({ SLURM_JOB_ID: "../etc" })), /SLURM_JOB_ID is not a job id/);
});

Deno.test("slurmLogLayout puts the sampler's log at step-<id>/node/ and each task's at step-<id>/task-<rank>/", () => {
  const info = { jobId: "77", node: "c3005", taskRank: 9, stepId: "2" };
  deepEqual(slurmLogLayout("/logs", info, true), {
    jobDir: join("/logs", "77"),
    nodeDir: join("/logs", "77", "c3005"),
    stepDir: join("/logs", "77", "c3005", "step-2"),
    runDir: join("/logs", "77", "c3005", "step-2", "node"),
  });
  equal(
    slurmLogLayout("/logs", info, false).runDir,
    join("/logs", "77", "c3005", "step-2", "task-9"),
  );
  // Two steps running at once on one node write apart.
  const other = slurmLogLayout("/logs", { ...info, stepId: "3" }, true).runDir;
  equal(other, join("/logs", "77", "c3005", "step-3", "node"));
  // The body of an sbatch script has no step id: the batch step.
  equal(
    slurmLogLayout("/logs", { jobId: "77", node: "c3005" }, true).runDir,
    join("/logs", "77", "c3005", "step-batch", "node"),
  );
});

/** The `KEY=VALUE` lines of one dump of slurm_env_and_accounting.txt, as an environment. */
async function capturedEnv(dump: RegExp): Promise<(name: string) => string | undefined> {
  const block = blockAfter(await readCapture("slurm_env_and_accounting.txt"), dump);
  const vars = new Map(
    block.text.trim().split("\n").map((
      line,
    ) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  return (name) => vars.get(name);
}

Deno.test("real SLURM environments: a GPU batch job, a 4-node MPI job, an interactive step", async () => {
  const gpuJob = await capturedEnv(/\(A\) sbatch job, 1 node/);
  const a = parseSlurmEnv(gpuJob, "ignored");
  deepEqual(a?.info, {
    jobId: "4122593",
    node: "tiger-i19g3",
    taskRank: 0,
    localId: 0,
    user: "user1",
    partition: "gpu",
    account: "acct1",
  });
  deepEqual([a?.ntasks, a?.numNodes, a?.nodeId, a?.jobName, a?.cluster], [
    1,
    1,
    0,
    "gmx",
    "tiger2",
  ]);
  // SLURM_JOB_GPUS=3: inside the job's device cgroup NVML opens that one GPU, whatever index
  // it gives it (3 with the others refused, 0 in a container): it is the job's.
  for (const index of [3, 0]) {
    const gpus = resolveGpus({ env: gpuJob, gpus: [{ index, uuid: "GPU-a100" }], scope: "node" });
    deepEqual([gpus.gpus.map((g) => g.device), gpus.source, gpus.rule], [
      [`gpu-${index}`],
      "SLURM_JOB_GPUS",
      "device-cgroup",
    ]);
  }

  const b = parseSlurmEnv(await capturedEnv(/\(B\) sbatch -N 4 -n 64/));
  deepEqual(b?.info, {
    jobId: "5462202",
    node: "c3005",
    taskRank: 0,
    localId: 0,
    user: "user2",
    partition: "batch",
  });
  deepEqual([b?.ntasks, b?.numNodes, b?.nodeId, b?.cluster], [64, 4, 0, "tusker"]);

  const c = parseSlurmEnv(await capturedEnv(/\(C\) interactive `srun --pty bash` step/));
  deepEqual(c?.info, {
    jobId: "1731344",
    stepId: "interactive",
    node: "GPU71E4",
    taskRank: 0,
    localId: 0,
    user: "user3",
    partition: "evo_gpu_priority",
    account: "lab1",
  });
  deepEqual([c?.ntasks, c?.jobName, c?.cluster], [1, "1_sh_gpu", "arc-slurm"]);
  equal(
    slurmLogLayout("logs", c!.info, true).runDir,
    join("logs", "1731344", "GPU71E4", "step-interactive", "node"),
  );
});

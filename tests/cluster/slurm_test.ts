import { deepEqual, equal, throws } from "node:assert/strict";
import { join } from "node:path";
import { parseSlurmEnv, slurmLogLayout } from "../../lib/cluster/slurm.ts";

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

import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { planCgroup, planSlurm, startMetrics } from "../../lib/run/cluster.ts";
import { RunError } from "../../lib/run/errors.ts";
import { plannedInfo } from "../../lib/run/runner.ts";
import { denoRuntime, type Runtime } from "../../lib/runtime.ts";
import type { SampleRecord } from "../../lib/log/schema.ts";
import type { UsageSource } from "../../lib/types.ts";
import { writeFakeCgroupJob } from "../helpers/fake_cgroup.ts";
import { runInfo } from "../helpers/log_records.ts";
import { tempDir } from "../helpers/temp_dir.ts";

function runtimeWith(env: Record<string, string>): Runtime {
  return { ...denoRuntime, env: (name) => env[name] };
}

const gpus = [0, 1, 2, 3].map((index) => ({ index, name: "A100", uuid: `GPU-${index}aaa` }));
// Inside a job holding GPUs 4 to 7 of an 8-GPU node, NVML opens only those (NO_PERMISSION
// for the others).
const jobGpus = [4, 5, 6, 7].map((index) => ({ index, name: "A100", uuid: `GPU-${index}aaa` }));

const procfsUsage: UsageSource = {
  jobUsage: () => ({ cpuSeconds: 0, memoryBytes: 0, memoryKind: "rss", pids: [] }),
  systemCpu: () => ({ busySeconds: 10, totalSeconds: 20, cpus: 2 }),
};

const slurmEnv = (extra: Record<string, string>) => ({
  SLURM_JOB_ID: "812",
  SLURM_STEP_ID: "1",
  SLURMD_NODENAME: "gpu-n3",
  SLURM_JOB_USER: "ada",
  ...extra,
});

const task = (cwd: string, logDir?: string) => ({ hostname: "gpu-n3", cwd, logDir, gpus });

Deno.test("outside SLURM there is no SLURM plan", async () => {
  await using dir = await tempDir();
  equal(await planSlurm(runtimeWith({}), task(dir.path)), undefined);
});

Deno.test("a SLURM task with SLURM_LOCALID 0 samples its node; others read no node device", async () => {
  await using dir = await tempDir();
  const sampler = await planSlurm(
    runtimeWith(
      slurmEnv({
        SLURM_LOCALID: "0",
        SLURM_PROCID: "4",
        SLURM_JOB_GPUS: "4,5,6,7",
        CUDA_VISIBLE_DEVICES: "0",
      }),
    ),
    { ...task(dir.path, "logs"), gpus: jobGpus },
  );
  ok(sampler);
  equal(sampler.logDir, join(dir.path, "logs", "812", "gpu-n3", "step-1", "node"));
  equal(sampler.slurm.nodeSampler, true);
  equal(sampler.slurm.taskRank, 4);
  equal(sampler.samplesNode, true);
  // The node sampler claims every GPU the job holds on the node: the sensors inside the job's
  // device cgroup see exactly its four.
  deepEqual(sampler.gpuSelection.gpus.map((g) => g.device), ["gpu-4", "gpu-5", "gpu-6", "gpu-7"]);
  equal(sampler.gpuSelection.rule, "device-cgroup");

  const other = await planSlurm(
    runtimeWith(
      slurmEnv({
        SLURM_LOCALID: "1",
        SLURM_PROCID: "5",
        SLURM_JOB_GPUS: "4,5,6,7",
        CUDA_VISIBLE_DEVICES: "1",
      }),
    ),
    { ...task(dir.path, "logs"), gpus: jobGpus },
  );
  ok(other);
  equal(other.logDir, join(dir.path, "logs", "812", "gpu-n3", "step-1", "task-5"));
  equal(other.slurm.nodeSampler, false);
  equal(other.samplesNode, false);
  // Renumbered by ConstrainDevices: CUDA's 1 is the job's second GPU, physical 5.
  deepEqual(other.gpuSelection.gpus.map((g) => g.device), ["gpu-5"]);
  match(other.notes.join("\n"), /sampled by local task 0/);
  await sampler.release();
  await other.release();
});

Deno.test("without SLURM_LOCALID the first task to take the node's lock samples it", async () => {
  await using dir = await tempDir();
  const env = slurmEnv({ SLURM_PROCID: "0", IMPACT_LOCK_DIR: join(dir.path, "shm") });
  await Deno.mkdir(join(dir.path, "shm"));
  const first = await planSlurm(runtimeWith(env), task(dir.path, "logs"));
  const second = await planSlurm(
    runtimeWith({ ...env, SLURM_PROCID: "1" }),
    task(dir.path, "logs"),
  );
  equal(first?.slurm.nodeSampler, true);
  equal(second?.slurm.nodeSampler, false);
  match(second!.notes.join("\n"), new RegExp(`sampled by pid ${Deno.pid} \\(decided by lock\\)`));
  ok(await Deno.stat(join(dir.path, "shm", "impact-sampler-812-gpu-n3.lock")));
  await first!.release();
  // Released: the next task to come along takes it.
  const third = await planSlurm(runtimeWith({ ...env, SLURM_PROCID: "2" }), task(dir.path, "logs"));
  equal(third?.slurm.nodeSampler, true);
  await second!.release();
  await third!.release();
});

Deno.test("a lock folder that cannot be used falls back to the node's log folder, said", async () => {
  await using dir = await tempDir();
  const env = slurmEnv({ SLURM_PROCID: "0", IMPACT_LOCK_DIR: join(dir.path, "missing") });
  const plan = await planSlurm(runtimeWith(env), task(dir.path, "logs"));
  equal(plan?.slurm.nodeSampler, true);
  match(plan!.notes[0]!, /sampler lock is in .*logs\/812\/gpu-n3 \(.*missing could not be used/);
  ok(await Deno.stat(join(dir.path, "logs", "812", "gpu-n3", "impact-sampler-812-gpu-n3.lock")));
  await plan!.release();
});

Deno.test("the node sampler finds SLURM's job cgroup and takes the job's CPU time from it", async () => {
  await using dir = await tempDir();
  const tree = await writeFakeCgroupJob(dir.path, {
    version: 2,
    jobId: "812",
    step: "1",
    tasks: [
      { rank: 0, pids: [9100], cpuSeconds: 5, memoryBytes: 1 << 30, memoryPeakBytes: 2 << 30 },
      { rank: 1, pids: [9200], cpuSeconds: 7, memoryBytes: 1 << 29, memoryPeakBytes: 1 << 30 },
    ],
  });
  // This process is task 0.
  await Deno.mkdir(join(tree.procfsRoot, "self"));
  await Deno.copyFile(
    join(tree.procfsRoot, "9100", "cgroup"),
    join(tree.procfsRoot, "self", "cgroup"),
  );
  const plan = await planCgroup(
    runtimeWith({ IMPACT_CGROUP_ROOT: tree.cgroupRoot, IMPACT_PROCFS_ROOT: tree.procfsRoot }),
    { attribution: "cpu-time-share", nodeSampler: true, system: procfsUsage },
  );
  equal(plan?.attribution, "cgroup");
  equal(plan?.status.available, true);
  const usage = plan!.usage!;
  // Counted from the start of the run, then following both tasks (the job's cgroup).
  equal((await usage.jobUsage(1)).cpuSeconds, 0);
  await tree.update(0, 6.5);
  await tree.update(1, 8);
  const job = await usage.jobUsage(1);
  ok(Math.abs(job.cpuSeconds - 2.5) < 1e-9, String(job.cpuSeconds));
  equal(job.memoryKind, "cgroup");
  deepEqual(job.pids, [4242, 9100, 9200]);
  // The machine's CPU time still comes from procfs.
  equal((await usage.systemCpu()).busySeconds, 10);
});

Deno.test("--cgroup names a v1 cgroup; a missing one is a usage error naming it", async () => {
  await using dir = await tempDir();
  const tree = await writeFakeCgroupJob(dir.path, {
    version: 1,
    jobId: "9",
    tasks: [{ rank: 0, pids: [71], cpuSeconds: 3, memoryBytes: 4096, memoryPeakBytes: 8192 }],
  });
  const runtime = runtimeWith({ IMPACT_CGROUP_ROOT: tree.cgroupRoot });
  const plan = await planCgroup(runtime, {
    cgroup: tree.jobPath,
    attribution: "cpu-time-share",
    system: procfsUsage,
  });
  equal(plan?.attribution, "cgroup");
  await tree.update(0, 4);
  equal((await plan!.usage!.jobUsage(1)).cpuSeconds, 1);

  await rejects(
    () =>
      planCgroup(runtime, {
        cgroup: "/slurm/nope",
        attribution: "cpu-time-share",
        system: procfsUsage,
      }),
    (error: unknown) => {
      ok(error instanceof RunError);
      match(error.message, /--cgroup "\/slurm\/nope"/);
      return true;
    },
  );
  equal(
    await planCgroup(runtime, { attribution: "cpu-time-share", system: procfsUsage }),
    undefined,
  );
});

Deno.test("--metrics serves the run's counters on loopback and stops when the run ends", async () => {
  const metrics = await startMetrics("0", {
    hostname: "gpu-n3",
    slurm: { jobId: "812", stepId: "1", node: "gpu-n3" },
    labels: { job: "resnet" },
  });
  ok(metrics.url.startsWith("http://127.0.0.1:"), metrics.url);
  const record: SampleRecord = {
    t: "2026-01-01T00:00:01.000Z",
    intervalSeconds: 1,
    devices: [{
      component: "gpu",
      device: "gpu-0",
      method: "integrated",
      machineEnergyJoules: 300,
      attributedEnergyJoules: 300,
      powerWatts: 300,
    }],
    cpu: { jobShare: 1, jobCpuSeconds: 1, utilization: 1 },
    memory: { jobBytes: 0, kind: "rss" },
  };
  metrics.add(record);
  const text = await (await fetch(metrics.url)).text();
  match(
    text,
    /impact_energy_joules_total\{host="gpu-n3",slurm_job_id="812",slurm_step_id="1",slurm_node="gpu-n3",label_job="resnet",component="gpu",device="gpu-0",method="integrated"\} 300/,
  );
  ok(!/[{,]job="/.test(text), "no label may be named job");
  await metrics.stop();
  await rejects(fetch(metrics.url));
});

Deno.test("--metrics with a malformed address is a usage error", async () => {
  await rejects(
    () => startMetrics("localhost:notaport", { hostname: "h", labels: {} }),
    /--metrics "localhost:notaport"/,
  );
});

Deno.test("GPUs named by UUID prefix in CUDA_VISIBLE_DEVICES are marked as the job's", async () => {
  await using dir = await tempDir();
  const plan = await planSlurm(
    runtimeWith(slurmEnv({ SLURM_LOCALID: "0", CUDA_VISIBLE_DEVICES: "GPU-2a,GPU-0aaa" })),
    task(dir.path, "logs"),
  );
  deepEqual(plan?.gpuSelection.gpus.map((g) => g.index), [2, 0]);
  equal(plan?.gpuSelection.rule, "uuid");
  await plan?.release();
});

Deno.test("the runner merges the SLURM plan into impact.json: task, GPU mapping, GPUs used", async () => {
  await using dir = await tempDir();
  const plan = await planSlurm(
    runtimeWith(slurmEnv({ SLURM_LOCALID: "0", CUDA_VISIBLE_DEVICES: "GPU-2a,GPU-0aaa" })),
    task(dir.path, "logs"),
  );
  const info = plannedInfo({ ...runInfo(), gpus }, {
    region: { source: "unknown" },
    slurm: plan,
    gpus: plan?.gpuSelection,
  });
  equal(info.slurm?.jobId, "812");
  deepEqual(
    [info.gpuVisibility?.source, info.gpuVisibility?.value, info.gpuVisibility?.rule],
    ["CUDA_VISIBLE_DEVICES", "GPU-2a,GPU-0aaa", "uuid"],
  );
  deepEqual(info.gpus.filter((gpu) => gpu.usedByJob).map((gpu) => gpu.index), [0, 2]);
  deepEqual(info.region, { source: "unknown" });
  await plan?.release();
});

import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { clusterHooks } from "../../lib/run/cluster_extension.ts";
import type { RunContext } from "../../lib/run/hooks.ts";
import { toRunOptions } from "../../lib/run/options.ts";
import { denoRuntime, type Runtime } from "../../lib/runtime.ts";
import type { RunInfo, SampleRecord } from "../../lib/log/schema.ts";
import { RunError } from "../../lib/run/errors.ts";
import type { EnergySensor } from "../../lib/sensors/types.ts";
import { writeFakeCgroupJob } from "../helpers/fake_cgroup.ts";
import { tempDir } from "../helpers/temp_dir.ts";

function runtimeWith(env: Record<string, string>): Runtime {
  return { ...denoRuntime, env: (name) => env[name] };
}

const sensor = (name: string) => ({ name }) as unknown as EnergySensor;

function contextOf(
  runtime: Runtime,
  cwd: string,
  flags: Record<string, unknown> = {},
  attribution = "cpu-time-share",
): RunContext & { notes: string[] } {
  const options = toRunOptions({ attribution, ...flags }, ["sleep", "1"]);
  const info = {
    cwd,
    host: { hostname: "gpu-n3", os: "linux", arch: "x86_64" },
    gpus: [0, 1, 2, 3].map((index) => ({ index, name: "A100", uuid: `GPU-${index}aaa` })),
    sensors: [],
    attribution: options.attribution,
    options: { intervalSeconds: 1 },
    labels: {},
  } as unknown as RunInfo;
  const notes: string[] = [];
  return {
    options,
    runtime,
    info,
    note: (text) => notes.push(text),
    notes,
    sampling: {
      sensors: [sensor("rapl"), sensor("nvidia-smi")],
      usage: {
        jobUsage: () => ({ cpuSeconds: 0, memoryBytes: 0, memoryKind: "rss", pids: [] }),
        systemCpu: () => ({ busySeconds: 10, totalSeconds: 20, cpus: 2 }),
      },
      cudaVisibleDevices: runtime.env("CUDA_VISIBLE_DEVICES"),
    },
  };
}

const slurmEnv = (extra: Record<string, string>) => ({
  SLURM_JOB_ID: "812",
  SLURM_STEP_ID: "1",
  SLURMD_NODENAME: "gpu-n3",
  SLURM_JOB_USER: "ada",
  ...extra,
});

Deno.test("a SLURM task with SLURM_LOCALID 0 samples its node; others read no node device", async () => {
  await using dir = await tempDir();
  const sampler = contextOf(
    runtimeWith(
      slurmEnv({
        SLURM_LOCALID: "0",
        SLURM_PROCID: "4",
        SLURM_JOB_GPUS: "4,5,6,7",
        CUDA_VISIBLE_DEVICES: "0",
      }),
    ),
    dir.path,
    { logDir: "logs" },
  );
  const hooks = clusterHooks();
  await hooks.beforeStart!(sampler);
  equal(sampler.logDir, join(dir.path, "logs", "812", "gpu-n3", "step-1", "node"));
  equal(sampler.info.slurm?.nodeSampler, true);
  equal(sampler.info.slurm?.taskRank, 4);
  equal(sampler.sampling.sensors.length, 2);
  // The node sampler claims every GPU the job holds on the node (physical indices).
  equal(sampler.sampling.cudaVisibleDevices, "4,5,6,7");
  const record = { t: "x", devices: [] } as unknown as SampleRecord;
  await hooks.onSample!(record, sampler);
  equal(record.slurm?.jobId, "812");

  const task = contextOf(
    runtimeWith(
      slurmEnv({
        SLURM_LOCALID: "1",
        SLURM_PROCID: "5",
        SLURM_JOB_GPUS: "4,5,6,7",
        CUDA_VISIBLE_DEVICES: "1",
      }),
    ),
    dir.path,
    { logDir: "logs" },
  );
  await clusterHooks().beforeStart!(task);
  equal(task.logDir, join(dir.path, "logs", "812", "gpu-n3", "step-1", "task-5"));
  equal(task.info.slurm?.nodeSampler, false);
  deepEqual(task.sampling.sensors, []);
  // Renumbered by ConstrainDevices: CUDA's 1 is the job's second GPU, physical 5.
  equal(task.sampling.cudaVisibleDevices, "5");
  match(task.notes.join("\n"), /sampled by local task 0/);
});

Deno.test("without SLURM_LOCALID the first task to take the node's lock samples it", async () => {
  await using dir = await tempDir();
  const env = slurmEnv({ SLURM_PROCID: "0" });
  const first = contextOf(runtimeWith(env), dir.path, { logDir: "logs" });
  const second = contextOf(runtimeWith({ ...env, SLURM_PROCID: "1" }), dir.path, {
    logDir: "logs",
  });
  const a = clusterHooks();
  await a.beforeStart!(first);
  await clusterHooks().beforeStart!(second);
  equal(first.info.slurm?.nodeSampler, true);
  equal(second.info.slurm?.nodeSampler, false);
  const lock = join(dir.path, "logs", "812", "gpu-n3", "sampler.lock");
  ok(await Deno.stat(lock));
  await a.dispose!(first);
  await rejects(Deno.stat(lock), Deno.errors.NotFound);
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
  const context = contextOf(
    runtimeWith(slurmEnv({
      SLURM_LOCALID: "0",
      IMPACT_CGROUP_ROOT: tree.cgroupRoot,
      IMPACT_PROCFS_ROOT: tree.procfsRoot,
    })),
    dir.path,
  );
  await clusterHooks().beforeStart!(context);
  equal(context.info.attribution, "cgroup");
  const usage = context.sampling.usage!;
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
  const context = contextOf(runtime, dir.path, { cgroup: tree.jobPath });
  await clusterHooks().beforeStart!(context);
  equal(context.info.attribution, "cgroup");
  await tree.update(0, 4);
  equal((await context.sampling.usage!.jobUsage(1)).cpuSeconds, 1);
  equal(context.logDir, undefined);

  const missing = contextOf(runtime, dir.path, { cgroup: "/slurm/nope" });
  await rejects(async () => await clusterHooks().beforeStart!(missing), (error: unknown) => {
    ok(error instanceof RunError);
    match(error.message, /--cgroup "\/slurm\/nope"/);
    return true;
  });
});

Deno.test("--metrics serves the run's counters on loopback and stops when the run ends", async () => {
  await using dir = await tempDir();
  const context = contextOf(runtimeWith(slurmEnv({ SLURM_LOCALID: "0" })), dir.path, {
    metrics: "0",
    label: ["job=resnet"],
  });
  const hooks = clusterHooks();
  await hooks.beforeStart!(context);
  const url = /metrics at (\S+)/.exec(context.notes.join("\n"))?.[1];
  ok(url?.startsWith("http://127.0.0.1:"), context.notes.join("\n"));
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
  await hooks.onSample!(record, context);
  const text = await (await fetch(url!)).text();
  match(
    text,
    /impact_energy_joules_total\{host="gpu-n3",slurm_job_id="812",slurm_step_id="1",slurm_node="gpu-n3",label_job="resnet",component="gpu",device="gpu-0",method="integrated"\} 300/,
  );
  ok(!/[{,]job="/.test(text), "no label may be named job");
  await hooks.afterEnd!({} as never, context);
  await rejects(fetch(url!));
});

Deno.test("--metrics with a malformed address is a usage error", async () => {
  await using dir = await tempDir();
  const context = contextOf(runtimeWith({}), dir.path, { metrics: "localhost:notaport" });
  await rejects(
    async () => await clusterHooks().beforeStart!(context),
    /--metrics "localhost:notaport"/,
  );
});

Deno.test("GPUs named by UUID prefix in CUDA_VISIBLE_DEVICES are marked as the job's", async () => {
  await using dir = await tempDir();
  const context = contextOf(
    runtimeWith(slurmEnv({ SLURM_LOCALID: "0", CUDA_VISIBLE_DEVICES: "GPU-2a,GPU-0aaa" })),
    dir.path,
    { logDir: "logs" },
  );
  await clusterHooks().beforeStart!(context);
  equal(context.sampling.cudaVisibleDevices, "GPU-2a,GPU-0aaa");
  deepEqual(
    context.info.gpus.filter((gpu) => gpu.usedByJob).map((gpu) => gpu.index),
    [0, 2],
  );
});

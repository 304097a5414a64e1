import { deepEqual, equal, match, ok, rejects, throws } from "node:assert/strict";
import { join } from "node:path";
import {
  createCgroupReader,
  parseCpuStat,
  parseProcCgroup,
  slurmCgroupPath,
} from "../../lib/sensors/cgroup.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import { SensorError } from "../../lib/sensors/types.ts";
import { writeFakeCgroupJob } from "../helpers/fake_cgroup.ts";

const tasks = [
  { rank: 0, pids: [5100, 5101], cpuSeconds: 10, memoryBytes: 3e9, memoryPeakBytes: 4e9 },
  { rank: 1, pids: [5200], cpuSeconds: 30, memoryBytes: 1e9, memoryPeakBytes: 2e9 },
];

Deno.test("parseProcCgroup reads v1 and v2 lines and names a malformed line", () => {
  deepEqual(parseProcCgroup("0::/system.slice/slurmstepd.scope/job_4/step_0/user/task_0\n"), [
    {
      hierarchy: 0,
      controllers: [],
      path: "/system.slice/slurmstepd.scope/job_4/step_0/user/task_0",
    },
  ]);
  const v1 = parseProcCgroup("4:cpu,cpuacct:/slurm/uid_1/job_11/step_0/task_1\n");
  deepEqual(v1[0]?.controllers, ["cpu", "cpuacct"]);
  throws(
    () => parseProcCgroup("ok\n0::/\nbroken", "/proc/7/cgroup"),
    /\/proc\/7\/cgroup:1: malformed/,
  );
});

Deno.test("slurmCgroupPath climbs a task's path to the job or the step", () => {
  const task = "/system.slice/slurmstepd.scope/job_4/step_0/user/task_0";
  equal(slurmCgroupPath(task, "job"), "/system.slice/slurmstepd.scope/job_4");
  equal(slurmCgroupPath(task, "step"), "/system.slice/slurmstepd.scope/job_4/step_0");
  equal(slurmCgroupPath(task, "own"), task);
  equal(slurmCgroupPath("/user.slice/user-1000.slice/session-2.scope", "job"), undefined);
});

Deno.test("parseCpuStat turns usage_usec into seconds and refuses a file without it", () => {
  equal(parseCpuStat("usage_usec 2500000\nuser_usec 1\n", "cpu.stat"), 2.5);
  throws(() => parseCpuStat("user_usec 1\n", "/x/cpu.stat"), /\/x\/cpu.stat: no usage_usec/);
});

for (const version of [1, 2] as const) {
  Deno.test(`cgroup v${version}: the job's usage sums its tasks and follows the CPU time`, async () => {
    const root = await Deno.makeTempDir();
    try {
      const tree = await writeFakeCgroupJob(root, { version, jobId: "77", tasks });
      const reader = createCgroupReader(denoRuntime, tree, { pid: 5200 });
      const status = await reader.probe();
      equal(status.available, true, status.reason);
      equal(reader.location()?.relative, tree.jobPath);
      equal(reader.attribution, "cgroup");
      const first = await reader.read();
      equal(first.memoryKind, "cgroup");
      equal(first.cpuSeconds, 40.25); // both tasks plus slurmstepd's 0.25 s
      equal(first.memoryBytes, 4e9 + (1 << 20));
      equal(first.memoryPeakBytes, 6e9 + (1 << 20));
      for (const pid of [5100, 5101, 5200]) ok(first.pids.includes(pid), `pid ${pid}`);
      // A daemonised child's CPU time is charged to the cgroup, so the reading follows it.
      await tree.update(1, 42.5);
      const second = await reader.read();
      equal(second.cpuSeconds - first.cpuSeconds, 12.5);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  Deno.test(`cgroup v${version}: level "own" reads only the task's cgroup`, async () => {
    const root = await Deno.makeTempDir();
    try {
      const tree = await writeFakeCgroupJob(root, { version, jobId: "78", tasks });
      const reader = createCgroupReader(denoRuntime, tree, { pid: 5100, level: "own" });
      equal((await reader.probe()).available, true);
      const usage = await reader.read();
      equal(usage.cpuSeconds, 10);
      deepEqual(usage.pids, [5100, 5101]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("an explicit --cgroup path is read whether given relative to the root or absolute", async () => {
  const root = await Deno.makeTempDir();
  try {
    const tree = await writeFakeCgroupJob(root, { version: 2, jobId: "9", tasks });
    const relative = createCgroupReader(denoRuntime, tree, { cgroup: tree.taskPaths[1]! });
    equal((await relative.probe()).available, true);
    equal((await relative.read()).cpuSeconds, 30);
    const absolute = createCgroupReader(denoRuntime, tree, {
      cgroup: join(tree.cgroupRoot, tree.taskPaths[0]!),
    });
    equal((await absolute.probe()).available, true);
    equal((await absolute.read()).cpuSeconds, 10);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("outside a SLURM job the reader is unavailable with a reason, never throwing", async () => {
  const root = await Deno.makeTempDir();
  try {
    const procfsRoot = join(root, "proc");
    await Deno.mkdir(join(procfsRoot, "self"), { recursive: true });
    await Deno.writeTextFile(
      join(procfsRoot, "self", "cgroup"),
      "0::/user.slice/session-3.scope\n",
    );
    const reader = createCgroupReader(denoRuntime, { cgroupRoot: join(root, "cg"), procfsRoot });
    const status = await reader.probe();
    equal(status.available, false);
    match(status.reason ?? "", /not a SLURM job's; name one with --cgroup/);
    await rejects(reader.read(), SensorError);
    const missing = createCgroupReader(denoRuntime, { cgroupRoot: root, procfsRoot }, {
      cgroup: "/nope",
    });
    match((await missing.probe()).reason ?? "", /cgroup \/nope has neither cpu.stat nor/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a cgroup that vanishes after probing fails loudly with SensorError", async () => {
  const root = await Deno.makeTempDir();
  try {
    const tree = await writeFakeCgroupJob(root, { version: 2, jobId: "5", tasks });
    const reader = createCgroupReader(denoRuntime, tree, { pid: 5100 });
    equal((await reader.probe()).available, true);
    await Deno.remove(join(tree.cgroupRoot, tree.jobPath, "cpu.stat"));
    await rejects(reader.read(), /cgroup: .*cpu.stat/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

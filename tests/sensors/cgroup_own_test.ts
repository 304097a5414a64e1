import { deepEqual, equal, ok } from "node:assert/strict";
import { dirname, join } from "node:path";
import { denoRuntime, systemPaths } from "../../lib/runtime.ts";
import { createCgroupReader } from "../../lib/sensors/cgroup.ts";
import { ownCgroupUsage } from "../../lib/sensors/cgroup_own.ts";
import { discoverSensors } from "../../lib/sensors/registry.ts";
import { createFakeProc } from "../helpers/fake_procfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const SCOPE = "/system.slice/run-u42.scope";

/** A machine where the tracker (pid 7) runs alone in a systemd scope (cgroup v2). */
async function scopedTracker(root: string) {
  const cgroupRoot = join(root, "cgroup");
  const scope = join(cgroupRoot, SCOPE);
  const put = async (path: string, text: string) => {
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, text);
  };
  const proc = await createFakeProc(join(root, "proc"), { cpus: 4 });
  const tracker = async (ticks: { own: number; reaped: number; rssKib?: number }) => {
    await proc.setProcess({
      pid: 7,
      ppid: 1,
      comm: "impact",
      utimeTicks: ticks.own,
      cutimeTicks: ticks.reaped,
      rssKib: ticks.rssKib ?? 40_960,
    });
    await put(
      join(proc.root, "self", "stat"),
      await Deno.readTextFile(join(proc.root, "7", "stat")),
    );
  };
  await put(join(proc.root, "self", "cgroup"), `0::${SCOPE}\n`);
  const scopeAt = async (usec: number, pids: number[], memoryBytes: number) => {
    await put(join(scope, "cpu.stat"), `usage_usec ${usec}\nuser_usec ${usec}\nsystem_usec 0\n`);
    await put(join(scope, "memory.current"), `${memoryBytes}\n`);
    await put(join(scope, "cgroup.procs"), pids.map((p) => `${p}\n`).join(""));
  };
  await tracker({ own: 50, reaped: 10 });
  await scopeAt(2_000_000, [7], 50 << 20);
  return { paths: { cgroupRoot, procfsRoot: proc.root }, proc, tracker, scopeAt };
}

Deno.test("the tracker's own cgroup gives the job's CPU time and memory, less the tracker's", async () => {
  await using dir = await tempDir();
  const { paths, tracker, scopeAt } = await scopedTracker(dir.path);
  const own = await ownCgroupUsage(denoRuntime, paths, {
    systemCpu: () => ({ busySeconds: 0, totalSeconds: 0, cpus: 4 }),
  });
  ok(own, "a scope holding only the tracker is the job's");
  equal(own.location.relative, SCOPE);
  // The job (500) and a daemon it left behind (501) used 30 s; the tracker 0.4 s more of its
  // own and 0.2 s of helpers it waited for (nvidia-smi probes).
  await scopeAt(2_000_000 + 30_600_000, [7, 500, 501], (50 << 20) + (300 << 20));
  await tracker({ own: 90, reaped: 30, rssKib: 51_200 });
  const usage = await own.usage.jobUsage(500);
  deepEqual(usage, {
    cpuSeconds: 30,
    memoryBytes: (350 << 20) - 51_200 * 1024,
    memoryKind: "cgroup",
    pids: [500, 501],
  });
  // The job ends and is reaped: its 30 s arrive in the tracker's cutime, and stay the job's.
  await scopeAt(2_000_000 + 31_000_000, [7], 50 << 20);
  await tracker({ own: 100, reaped: 30 + 3_040 });
  equal((await own.usage.jobUsage(500)).cpuSeconds, 30.3);
});

Deno.test("a cgroup shared with another process, or the root one, is not the job's", async () => {
  await using dir = await tempDir();
  const { paths, scopeAt, proc } = await scopedTracker(dir.path);
  const system = { systemCpu: () => ({ busySeconds: 0, totalSeconds: 0, cpus: 4 }) };
  await scopeAt(2_000_000, [7, 8], 50 << 20);
  equal(await ownCgroupUsage(denoRuntime, paths, system), undefined);
  await Deno.writeTextFile(join(proc.root, "self", "cgroup"), "0::/\n");
  equal(await ownCgroupUsage(denoRuntime, paths, system), undefined);
});

Deno.test("discovery takes the job's usage from a cgroup of the tracker's own", async () => {
  await using dir = await tempDir();
  const { paths } = await scopedTracker(dir.path);
  const env: Record<string, string> = {
    IMPACT_PROCFS_ROOT: paths.procfsRoot,
    IMPACT_CGROUP_ROOT: paths.cgroupRoot,
    IMPACT_SYSFS_ROOT: join(dir.path, "no-sys"),
    IMPACT_NVIDIA_SMI: join(dir.path, "no-nvidia-smi"),
    IMPACT_NVML_LIB: join(dir.path, "no-nvml.so"),
  };
  const runtime = { ...denoRuntime, env: (name: string) => env[name] };
  const d = await discoverSensors(runtime, systemPaths(runtime), { intervalMs: 1000, os: "linux" });
  try {
    const procfs = d.statuses.find((s) => s.sensor === "procfs");
    equal(procfs?.detail?.jobCgroup, SCOPE);
    equal((await d.usage!.jobUsage(500)).memoryKind, "cgroup");
  } finally {
    await d.close();
  }
});

Deno.test("a cgroup's processes are found in child cgroups whose names hold dots", async () => {
  await using dir = await tempDir();
  const slice = join(dir.path, "cgroup", "user.slice", "user-1000.slice");
  for (const [child, pid] of [["session-2.scope", 900], ["user@1000.service/app.slice", 901]]) {
    await Deno.mkdir(join(slice, child as string), { recursive: true });
    await Deno.writeTextFile(join(slice, child as string, "cgroup.procs"), `${pid}\n`);
  }
  await Deno.writeTextFile(join(slice, "cpu.stat"), "usage_usec 5000000\n");
  await Deno.writeTextFile(join(slice, "memory.current"), "1048576\n");
  const reader = createCgroupReader(
    denoRuntime,
    { cgroupRoot: join(dir.path, "cgroup"), procfsRoot: join(dir.path, "proc") },
    { cgroup: "/user.slice/user-1000.slice" },
  );
  equal((await reader.probe()).available, true);
  deepEqual((await reader.read()).pids, [900, 901]);
});

import { deepEqual, equal, match, throws } from "node:assert/strict";
import { join } from "node:path";
import { denoRuntime } from "../../lib/runtime.ts";
import { createProcfsReader, parseProcStat, parseSystemStat } from "../../lib/sensors/procfs.ts";
import { createFakeProc, fakeMachinePaths, type FakeProcess } from "../helpers/fake_procfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

// The job 100 -> 101 -> 102, and an unrelated process 200.
const jobTree: FakeProcess[] = [
  { pid: 100, ppid: 1, comm: "train (v2) x) y", utimeTicks: 300, stimeTicks: 20, pssKib: 1000 },
  { pid: 101, ppid: 100, utimeTicks: 150, stimeTicks: 10, pssKib: 500 },
  { pid: 102, ppid: 101, utimeTicks: 40, stimeTicks: 5, pssKib: 250 },
  { pid: 200, ppid: 1, utimeTicks: 99_999, stimeTicks: 0, pssKib: 9999 },
];

Deno.test("comm with spaces and parentheses is parsed from the last ')'", () => {
  const stat = parseProcStat(
    "4242 (a) b (c)) R 17 4242 17 0 -1 4194304 10 0 0 0 250 30 7 3 20 0 2 0 555 1000 64 0\n",
    "/proc/4242/stat",
  );
  equal(stat.comm, "a) b (c)");
  equal(stat.ppid, 17);
  deepEqual([stat.utime, stat.stime, stat.cutime, stat.cstime], [250, 30, 7, 3]);
  equal(stat.starttime, 555);
  throws(() => parseProcStat("4242 (x) R 1 2", "/proc/4242/stat"), /\/proc\/4242\/stat/);
});

for (const childrenFiles of [true, false]) {
  const how = childrenFiles ? "children files" : "a scan of /proc";
  Deno.test(`the whole tree and nothing else is counted (${how})`, async () => {
    await using dir = await tempDir();
    await createFakeProc(join(dir.path, "proc"), { processes: jobTree, childrenFiles });
    const usage = await createProcfsReader(denoRuntime, fakeMachinePaths(dir.path)).jobUsage(100);
    deepEqual(usage.pids, [100, 101, 102]);
    equal(usage.cpuSeconds, (320 + 160 + 45) / 100);
    equal(usage.memoryKind, "pss");
    equal(usage.memoryBytes, 1750 * 1024);
  });
}

Deno.test("reaped children are counted once, through the parent's cutime", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), { processes: jobTree });
  const reader = createProcfsReader(denoRuntime, fakeMachinePaths(dir.path));
  equal((await reader.jobUsage(100)).cpuSeconds, 5.25);
  await proc.reap(102); // its 45 ticks move into 101's cutime/cstime
  let usage = await reader.jobUsage(100);
  deepEqual(usage.pids, [100, 101]);
  equal(usage.cpuSeconds, 5.25);
  await proc.reap(101); // 101 and 102 now in 100's cutime
  usage = await reader.jobUsage(100);
  deepEqual(usage.pids, [100]);
  equal(usage.cpuSeconds, 5.25);
  // A child that lived and died between two reads shows only in the parent's cutime.
  await proc.setProcess({ ...jobTree[0]!, cutimeTicks: 190 + 100, cstimeTicks: 15 });
  equal((await reader.jobUsage(100)).cpuSeconds, 6.25);
});

Deno.test("a process that vanishes unreaped does not make the total go backwards", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), { processes: jobTree });
  const reader = createProcfsReader(denoRuntime, fakeMachinePaths(dir.path));
  await reader.jobUsage(100);
  // 101 exits and is reaped by 100; its child 102 is re-parented to init and keeps running.
  await proc.setProcess({ ...jobTree[2]!, ppid: 1, utimeTicks: 60 });
  await proc.reap(101);
  let usage = await reader.jobUsage(100);
  deepEqual(usage.pids, [100, 102], "the orphan is still the job's");
  equal(usage.cpuSeconds, (320 + 160 + 65) / 100);
  // The orphan exits and init reaps it: its time stays in the total.
  await proc.removeProcess(102);
  usage = await reader.jobUsage(100);
  deepEqual(usage.pids, [100]);
  equal(usage.cpuSeconds, (320 + 160 + 65) / 100);
  // The job itself ends: the total holds.
  await proc.removeProcess(100);
  usage = await reader.jobUsage(100);
  deepEqual(usage.pids, []);
  equal(usage.cpuSeconds, (320 + 160 + 65) / 100);
});

Deno.test("memory falls back to RSS for the whole tree when one PSS is unreadable", async () => {
  await using dir = await tempDir();
  const processes = jobTree.map((p) => ({ ...p, rssKib: 2000 }));
  delete processes[1]!.pssKib; // no smaps_rollup for 101
  await createFakeProc(join(dir.path, "proc"), { processes });
  const usage = await createProcfsReader(denoRuntime, fakeMachinePaths(dir.path)).jobUsage(100);
  equal(usage.memoryKind, "rss");
  equal(usage.memoryBytes, 3 * 2000 * 1024);
});

Deno.test("system CPU time is busy = total - idle - iowait, in seconds", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), { cpus: 8 });
  await proc.setCpuTicks({ user: 6000, nice: 100, system: 900, idle: 12000, iowait: 1000, irq: 0 });
  const cpu = await createProcfsReader(denoRuntime, fakeMachinePaths(dir.path)).systemCpu();
  deepEqual(cpu, { busySeconds: 70, totalSeconds: 200, cpus: 8 });
  // guest time is inside user: the two trailing fields are not added again
  deepEqual(parseSystemStat("cpu  10 0 10 80 0 0 0 0 7 7\ncpu0 10 0 10 80 0 0 0 0 7 7\n"), {
    busySeconds: 0.2,
    totalSeconds: 1,
    cpus: 1,
  });
});

Deno.test("probe says whether /proc is readable, with the fix when not", async () => {
  await using dir = await tempDir();
  const missing = await createProcfsReader(denoRuntime, fakeMachinePaths(dir.path)).probe();
  equal(missing.available, false);
  match(missing.reason ?? "", /proc\/stat/);
  match(missing.fix ?? "", /IMPACT_PROCFS_ROOT/);
  await createFakeProc(join(dir.path, "proc"), { cpus: 2 });
  const status = await createProcfsReader(denoRuntime, fakeMachinePaths(dir.path)).probe();
  equal(status.available, true);
  equal(status.sensor, "procfs");
});

Deno.test("the tracker's reaped-children time covers the job's last stretch", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), {
    processes: [{ pid: 7, ppid: 1, comm: "impact", cutimeTicks: 250, cstimeTicks: 50 }],
  });
  await Deno.mkdir(join(proc.root, "self"));
  await Deno.copyFile(join(proc.root, "7", "stat"), join(proc.root, "self", "stat"));
  equal(
    await createProcfsReader(denoRuntime, fakeMachinePaths(dir.path)).reapedChildrenCpuSeconds(),
    3,
  );
});

import { deepEqual, equal, match, throws } from "node:assert/strict";
import { join } from "node:path";
import { denoRuntime } from "../../lib/runtime.ts";
import { createProcfsReader } from "../../lib/sensors/procfs.ts";
import { parseProcStat, parseSystemStat } from "../../lib/sensors/procfs_parse.ts";
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

Deno.test("a pid that is no decimal count is refused like the other fields, naming the file", () => {
  const after = " (x) R 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 0 8";
  for (const pid of ["-Infinity", "-1", "1e3", "0x10", "4.5", "9".repeat(400), ""]) {
    throws(
      () => parseProcStat(`${pid}${after}`, "/proc/7/stat"),
      /Field 1 \(pid\) of \/proc\/7\/stat is ".*", not a number/,
      pid,
    );
  }
  equal(parseProcStat(`7${after}`, "/proc/7/stat").pid, 7);
});

for (const childrenFiles of [true, false]) {
  const how = childrenFiles ? "children files" : "a scan of /proc";
  Deno.test(`the whole tree and nothing else is counted (${how})`, async () => {
    await using dir = await tempDir();
    await createFakeProc(join(dir.path, "proc"), { processes: jobTree, childrenFiles });
    const usage = await createProcfsReader(denoRuntime, fakeMachinePaths(dir.path), {
      pss: { budgetMs: Infinity }, // every PSS read, however slow the machine
    }).jobUsage(100);
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
  // impact.json says how often PSS is read.
  deepEqual(status.detail?.pss, { budgetMs: 1, refreshFactor: 1000 });
});

/** A fake /proc whose `self` is the tracker (pid 7), and a runtime on a clock the test moves. */
async function trackerProc(root: string) {
  const proc = await createFakeProc(join(root, "proc"), {
    processes: [{ pid: 7, ppid: 1, comm: "impact" }, ...jobTree.slice(0, 3)],
  });
  await Deno.mkdir(join(proc.root, "self"));
  const clock = { ms: 0 };
  const reapedByTracker = async (ticks: number) => {
    await proc.setProcess({ pid: 7, ppid: 1, comm: "impact", cutimeTicks: ticks });
    await Deno.copyFile(join(proc.root, "7", "stat"), join(proc.root, "self", "stat"));
  };
  await reapedByTracker(0);
  const runtime = { ...denoRuntime, monotonicMs: () => clock.ms };
  return { proc, clock, reapedByTracker, runtime };
}

Deno.test("once the root is reaped, the job's last stretch comes from the tracker's cutime", async () => {
  await using dir = await tempDir();
  const { proc, clock, reapedByTracker, runtime } = await trackerProc(dir.path);
  const reader = createProcfsReader(runtime, fakeMachinePaths(dir.path));
  await reader.systemCpu();
  equal((await reader.jobUsage(100)).cpuSeconds, 5.25);
  // The tree runs 0.75 s more, ends and is reaped by the tracker: 6 s in all.
  for (const pid of [102, 101, 100]) await proc.removeProcess(pid);
  await reapedByTracker(600);
  clock.ms += 1000;
  const usage = await reader.jobUsage(100);
  deepEqual(usage.pids, []);
  equal(usage.cpuSeconds, 6);
  // A child of the tracker's own reaped later is not the job's.
  await reapedByTracker(650);
  clock.ms += 1000;
  equal((await reader.jobUsage(100)).cpuSeconds, 6);
});

Deno.test("a job shorter than one interval still gets its CPU time", async () => {
  await using dir = await tempDir();
  const { proc, clock, reapedByTracker, runtime } = await trackerProc(dir.path);
  for (const pid of [102, 101, 100]) await proc.removeProcess(pid);
  const reader = createProcfsReader(runtime, fakeMachinePaths(dir.path));
  await reader.systemCpu(); // the sampler's baseline, before the job starts
  // The job burns 0.2 s of CPU, ends and is reaped before the first walk.
  clock.ms += 250;
  await reapedByTracker(20);
  await reader.systemCpu(); // the first tick's, beside the walk: no new baseline
  const usage = await reader.jobUsage(100);
  deepEqual(usage.pids, []);
  equal(usage.cpuSeconds, 0.2);
});

Deno.test("the tracker's cutime counts for the job only as far as the CPUs could run", async () => {
  await using dir = await tempDir();
  const { proc, clock, reapedByTracker, runtime } = await trackerProc(dir.path);
  const reader = createProcfsReader(runtime, fakeMachinePaths(dir.path));
  await reader.systemCpu(); // 4 CPUs
  await reader.jobUsage(100);
  for (const pid of [102, 101, 100]) await proc.removeProcess(pid);
  // 100 s of children's time in 1 s on 4 CPUs: at most 4 s (and the 3 processes' rounding).
  await reapedByTracker(10_000);
  clock.ms += 1000;
  equal((await reader.jobUsage(100)).cpuSeconds, 5.25 + 3 * 0.04 + 4);
});

// The real /proc and /sys captures (tests/fixtures/, from shared/reference/hw/), read with the
// values a person reads in them.
import { deepEqual, equal, match } from "node:assert/strict";
import { join } from "node:path";
import { denoRuntime } from "../../lib/runtime.ts";
import { parseCpuinfo, readCpuInventory } from "../../lib/sensors/cpu_inventory.ts";
import { createProcfsReader } from "../../lib/sensors/procfs.ts";
import {
  parseChildren,
  parseForkCount,
  parseProcStat,
  parseStatusTgid,
  parseSystemStat,
} from "../../lib/sensors/procfs_parse.ts";
import { blockAfter, readCapture } from "../helpers/captures.ts";
import { writeCapturedTree } from "../helpers/captured_tree.ts";
import { fakeMachinePaths } from "../helpers/fake_procfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

Deno.test("capture: a vim process's /proc/PID/stat", async () => {
  const capture = await readCapture("proc_pid_stat_procfs.txt");
  match(capture.source, /prometheus\/procfs/);
  const stat = parseProcStat(capture.blocks[0]!.text, "proc_pid_stat_procfs.txt");
  deepEqual(stat, {
    pid: 26231,
    comm: "vim",
    ppid: 5392,
    utime: 1677,
    stime: 44,
    cutime: 158,
    cstime: 99,
    numThreads: 1,
    starttime: 82375,
    rssPages: 1981,
  });
});

Deno.test("capture: a live process whose comm holds ') ', its threads and child", async () => {
  const capture = await readCapture("proc_pid_stat_threads_children_live.txt");
  match(capture.source, /Linux 6\.18/);
  const comm = blockAfter(capture, /\/proc\/<PID>\/comm$/).text.trim();
  equal(comm, "w (1) x) y");
  const whole = parseProcStat(blockAfter(capture, /process-wide: sums all threads/).text, "stat");
  deepEqual(whole, {
    pid: 16751,
    comm,
    ppid: 16748,
    utime: 197,
    stime: 3,
    cutime: 10,
    cstime: 16,
    numThreads: 3,
    starttime: 102516,
    rssPages: 3506,
  });
  // The children list ends with a space.
  deepEqual(parseChildren(blockAfter(capture, /task\/<PID>\/children/).text), [16814]);
  const threads = capture.blocks.filter((b) => b.notes.some((n) => /\(per-thread\)/.test(n)))
    .map((b) => parseProcStat(b.text, "task stat"));
  deepEqual(threads.map((t) => [t.pid, t.utime, t.starttime]), [
    [16751, 9, 102516],
    [16811, 104, 102556],
    [16813, 107, 102557],
  ]);
  equal(parseStatusTgid(blockAfter(capture, /\/status \(excerpt\)/).text), 16751);
  const after = parseProcStat(blockAfter(capture, /AFTER threads joined/).text, "stat");
  deepEqual([after.utime, after.stime, after.cutime, after.cstime, after.numThreads], [
    225,
    4,
    39,
    18,
    1,
  ]);
});

Deno.test("capture: the job's CPU time from the live process's stat, before and after", async () => {
  await using dir = await tempDir();
  const capture = await readCapture("proc_pid_stat_threads_children_live.txt");
  const proc = join(dir.path, "proc");
  const task = join(proc, "16751", "task");
  for (const tid of ["16751", "16811", "16813"]) {
    await Deno.mkdir(join(task, tid), { recursive: true });
  }
  await Deno.writeTextFile(
    join(proc, "stat"),
    "cpu  1 0 1 10 0 0 0 0 0 0\ncpu0 1 0 1 10 0 0 0 0 0 0\n",
  );
  await Deno.writeTextFile(
    join(task, "16751", "children"),
    blockAfter(capture, /task\/<PID>\/children/).text,
  );
  const stat = join(proc, "16751", "stat");
  await Deno.writeTextFile(stat, blockAfter(capture, /process-wide: sums all threads/).text);
  const reader = createProcfsReader(denoRuntime, fakeMachinePaths(dir.path));
  // The child 16814 was not captured: only the process itself, 197 + 3 + 10 + 16 ticks.
  const before = await reader.jobUsage(16751);
  deepEqual(before.pids, [16751]);
  equal(before.cpuSeconds, 2.26);
  equal(before.memoryBytes, 3506 * 4096, "no smaps_rollup captured: its RSS");
  await Deno.writeTextFile(stat, blockAfter(capture, /AFTER threads joined/).text);
  equal((await reader.jobUsage(16751)).cpuSeconds, 2.86);
});

Deno.test("capture: /proc/stat of an 8-CPU machine", async () => {
  const capture = await readCapture("proc_stat_8cpu_procfs.txt");
  const text = capture.blocks[0]!.text;
  // total = user+nice+system+idle+iowait+irq+softirq+steal; busy = total - idle - iowait.
  deepEqual(parseSystemStat(text), { busySeconds: 4183.34, totalSeconds: 94008.9, cpus: 8 });
  equal(parseForkCount(text), 26442);
});

Deno.test("capture: meminfo, cpuinfo blocks and the CPU topology", async () => {
  await using dir = await tempDir();
  const meminfo = await readCapture("proc_meminfo_procfs.txt");
  const cpuinfo = await readCapture("proc_cpuinfo_samples.txt");
  const topology = await readCapture("sys_devices_system_cpu_topology_procfs.txt");
  await Deno.mkdir(join(dir.path, "proc"));
  await Deno.writeTextFile(join(dir.path, "proc", "meminfo"), meminfo.blocks[0]!.text);
  await Deno.writeTextFile(
    join(dir.path, "proc", "cpuinfo"),
    blockAfter(cpuinfo, /\(1\) Intel Xeon Platinum 8175M/).text,
  );
  await writeCapturedTree(topology.text, dir.path);
  const info = await readCpuInventory(denoRuntime, fakeMachinePaths(dir.path));
  deepEqual(info, {
    model: "Intel(R) Xeon(R) Platinum 8175M CPU @ 2.50GHz",
    vendor: "GenuineIntel",
    // The topology captured two CPUs of package 0, cores 0 and 1.
    sockets: 1,
    cores: 2,
    threads: 2,
    memoryTotalBytes: 15666184 * 1024,
  });
  const epyc = parseCpuinfo(blockAfter(cpuinfo, /\(2\) AMD EPYC 7763/).text);
  equal(epyc.model, "AMD EPYC 7763 64-Core Processor");
  equal(epyc.vendor, "AuthenticAMD");
  const metal = parseCpuinfo(blockAfter(cpuinfo, /\(3\) AMD EPYC 7R13/).text);
  equal(metal.model, "AMD EPYC 7R13 48-Core Processor");
  equal(metal.threads, 1, "one processor block is one logical CPU");
});

import { deepEqual, equal } from "node:assert/strict";
import { join } from "node:path";
import { denoRuntime, type Runtime } from "../../lib/runtime.ts";
import { createTreeWalker } from "../../lib/sensors/procfs_tree.ts";
import { createFakeProc, type FakeProcess } from "../helpers/fake_procfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

// The job 100 -> 101 -> 102, and an unrelated process 200.
const jobTree: FakeProcess[] = [
  { pid: 100, ppid: 1, utimeTicks: 300, stimeTicks: 20 },
  { pid: 101, ppid: 100, utimeTicks: 150, stimeTicks: 10 },
  { pid: 102, ppid: 101, utimeTicks: 40, stimeTicks: 5 },
  { pid: 200, ppid: 1, utimeTicks: 99_999 },
];

/** The runtime, recording the files each walk reads (kept open or not). */
function countingRuntime(): { runtime: Runtime; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    runtime: {
      ...denoRuntime,
      readTextFile(path) {
        reads.push(path);
        return denoRuntime.readTextFile(path);
      },
      openKernelFile(path) {
        const file = denoRuntime.openKernelFile!(path);
        return {
          readText() {
            reads.push(path);
            return file.readText();
          },
          close: () => file.close(),
        };
      },
    },
  };
}

const pidsOf = (reading: { processes: Map<number, unknown> }) =>
  [...reading.processes.keys()].sort((a, b) => a - b);

Deno.test("new processes are found in the PID range handed out since the last walk", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), { processes: jobTree });
  const { runtime, reads } = countingRuntime();
  const walker = createTreeWalker(runtime, proc.root);
  const first = await walker.walk(100);
  equal(first.discovery, "children", "the first walk follows the children lists");
  deepEqual(pidsOf(first), [100, 101, 102]);

  // 102 starts 310; an unrelated process takes 305; 101 starts a thread, 311.
  await proc.setProcess({ pid: 305, ppid: 200 });
  await proc.setProcess({ pid: 310, ppid: 102, utimeTicks: 7 });
  await proc.setProcess({ ...jobTree[1]!, threads: [311] });
  reads.length = 0;
  const second = await walker.walk(100);
  equal(second.discovery, "range");
  deepEqual(pidsOf(second), [100, 101, 102, 310], "a member's thread is not a process");
  equal(second.ticks, 320 + 160 + 45 + 7);
  equal(reads.filter((p) => p.endsWith("/children")).length, 0, "no children list read");
  equal(reads.some((p) => p.endsWith("/200/stat")), false, "old strangers are not re-read");

  // Nothing new: the PID counter and the members' files only. 101 has two threads (its
  // schedstat is its main thread's alone) and 310 was first read by the last walk: their stat
  // is read; the others have not run since (their schedstat is unchanged), so theirs is not.
  reads.length = 0;
  equal((await walker.walk(100)).discovery, "range");
  deepEqual(reads.map((p) => p.slice(proc.root.length)).sort(), [
    "/100/schedstat",
    "/101/stat",
    "/102/schedstat",
    "/310/schedstat",
    "/310/stat",
    "/loadavg",
    "/stat",
  ]);
  // 102 runs and reaps 310: both show in its stat.
  await proc.reap(310);
  await proc.setProcess({ ...jobTree[2]!, utimeTicks: 50, cutimeTicks: 7 });
  const after = await walker.walk(100);
  deepEqual(pidsOf(after), [100, 101, 102]);
  equal(after.ticks, 320 + 160 + 55 + 7);
});

Deno.test("a member re-parented while asleep is read again: its new parent may reap it", async () => {
  await using dir = await tempDir();
  // 100 is a subreaper: orphans of its tree become its children.
  const proc = await createFakeProc(join(dir.path, "proc"), { processes: jobTree.slice(0, 3) });
  const walker = createTreeWalker(denoRuntime, proc.root);
  await walker.walk(100);
  await walker.walk(100);
  // 101 exits and 100 reaps it; 102, asleep, is re-parented to 100.
  await proc.setProcess({ ...jobTree[2]!, ppid: 100 }, { ran: false });
  await proc.reap(101);
  equal((await walker.walk(100)).ticks, 525);
  // 102 wakes, exits and 100 reaps it within one interval: counted once.
  await proc.reap(102);
  const reading = await walker.walk(100);
  deepEqual(pidsOf(reading), [100]);
  equal(reading.ticks, 525);
});

Deno.test("after a PID wrap, or a range larger than the tree, children lists are read", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), { processes: jobTree });
  const walker = createTreeWalker(denoRuntime, proc.root);
  await walker.walk(100);
  // The counter wrapped: a new child took a PID below the last walk's.
  await proc.setProcess({ pid: 150, ppid: 100 });
  await proc.setPidCounter(120, 4242 + 40_000);
  const wrapped = await walker.walk(100);
  equal(wrapped.discovery, "children");
  deepEqual(pidsOf(wrapped), [100, 101, 102, 150]);
  // 5,000 PIDs handed out elsewhere: reading them would cost more than the tree's lists.
  await proc.setPidCounter(5_120, 4242 + 45_000);
  await proc.setProcess({ pid: 5_121, ppid: 150 });
  const busy = await walker.walk(100);
  equal(busy.discovery, "children");
  deepEqual(pidsOf(busy), [100, 101, 102, 150, 5_121]);
  // The counter moved less than the forks counted: it went all the way round.
  await proc.setPidCounter(5_200, 4242 + 90_000);
  equal((await walker.walk(100)).discovery, "children");
});

Deno.test("a child started by another thread is in that thread's children list", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), {
    processes: [
      { pid: 100, ppid: 1, threads: [103, 104] },
      { pid: 110, ppid: 100, parentTid: 104, utimeTicks: 50 },
      { pid: 111, ppid: 110, utimeTicks: 25 },
    ],
  });
  const reading = await createTreeWalker(denoRuntime, proc.root).walk(100);
  deepEqual(pidsOf(reading), [100, 110, 111]);
  equal(reading.ticks, 75);
});

Deno.test("without children lists the first walk scans /proc", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), {
    processes: jobTree,
    childrenFiles: false,
  });
  const walker = createTreeWalker(denoRuntime, proc.root);
  const first = await walker.walk(100);
  equal(first.discovery, "scan");
  deepEqual(pidsOf(first), [100, 101, 102]);
  await proc.setProcess({ pid: 330, ppid: 101 });
  const second = await walker.walk(100);
  equal(second.discovery, "range");
  deepEqual(pidsOf(second), [100, 101, 102, 330]);
});

Deno.test("a reused PID is a stranger, the root's included", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), { processes: jobTree });
  const walker = createTreeWalker(denoRuntime, proc.root);
  equal((await walker.walk(100)).ticks, 525);
  // 102 exits unreaped; its PID goes to an unrelated process.
  await proc.removeProcess(102);
  await proc.setProcess({ pid: 102, ppid: 1, starttimeTicks: 9_000, utimeTicks: 5_000 });
  const reading = await walker.walk(100);
  deepEqual(pidsOf(reading), [100, 101]);
  equal(reading.ticks, 525, "the stranger's time is not the job's");
  // The root is reaped and its PID reused: the tree is gone.
  await proc.removeProcess(100);
  await proc.setProcess({ pid: 100, ppid: 1, starttimeTicks: 9_100, utimeTicks: 7_000 });
  await proc.removeProcess(101);
  const gone = await walker.walk(100);
  deepEqual(pidsOf(gone), []);
  equal(gone.discovery, "none");
  equal(gone.ticks, 525);
});

import { deepEqual, equal } from "node:assert/strict";
import { join } from "node:path";
import { denoRuntime, type Runtime } from "../../lib/runtime.ts";
import { createPssTracker } from "../../lib/sensors/procfs_memory.ts";
import { createTreeWalker } from "../../lib/sensors/procfs_tree.ts";
import { createFakeProc, type FakeProcess } from "../helpers/fake_procfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

// A trainer (100) and its forked workers (101-104): each worker's RSS is mostly pages it
// shares with the others, so its PSS is a quarter of its RSS.
const trainer: FakeProcess = { pid: 100, ppid: 1, comm: "python", rssKib: 8192, pssKib: 6144 };
const workers: FakeProcess[] = [101, 102, 103, 104].map((pid) => ({
  pid,
  ppid: 100,
  comm: "python",
  rssKib: 4096,
  pssKib: 1024,
}));

/** The runtime on a clock that a read of smaps_rollup moves by `msPerRead`. */
function slowPssRuntime(msPerRead: number): { runtime: Runtime; clock: { ms: number } } {
  const clock = { ms: 0 };
  return {
    clock,
    runtime: {
      ...denoRuntime,
      monotonicMs: () => clock.ms,
      readTextFile(path) {
        if (path.endsWith("/smaps_rollup")) clock.ms += msPerRead;
        return denoRuntime.readTextFile(path);
      },
    },
  };
}

async function measureOnce(root: string, processes: FakeProcess[], runtime: Runtime = denoRuntime) {
  const proc = await createFakeProc(join(root, "proc"), { processes });
  const { processes: tree } = await createTreeWalker(runtime, proc.root).walk(100);
  return {
    proc,
    tree,
    memory: await createPssTracker(runtime, proc.root, unbounded).measure(tree),
  };
}

/** No time budget: tests of what is counted, not of what reading costs. */
const unbounded = { budgetMs: Infinity };

Deno.test("every process keeps its PSS when another's cannot be read", async () => {
  await using dir = await tempDir();
  const { pssKib: _, ...unreadable } = workers[3]!; // 104's smaps_rollup cannot be read
  const { memory } = await measureOnce(dir.path, [trainer, ...workers.slice(0, 3), unreadable]);
  equal(memory.memoryKind, "pss");
  equal(memory.estimatedProcesses, 1);
  // 104 counts its RSS at its siblings' PSS/RSS ratio: a quarter.
  equal(memory.memoryBytes, (6144 + 4 * 1024) * 1024);
});

Deno.test("a process that vanishes while its memory is read is not counted", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), { processes: [trainer, ...workers] });
  const runtime: Runtime = {
    ...denoRuntime,
    async readTextFile(path) {
      // 103 exits between the walk and the read of its smaps_rollup.
      if (path.endsWith("/103/smaps_rollup")) await proc.removeProcess(103);
      return denoRuntime.readTextFile(path);
    },
  };
  const { processes: tree } = await createTreeWalker(runtime, proc.root).walk(100);
  equal(tree.size, 5);
  const memory = await createPssTracker(runtime, proc.root, unbounded).measure(tree);
  deepEqual(memory, {
    memoryBytes: (6144 + 3 * 1024) * 1024,
    memoryKind: "pss",
    estimatedProcesses: 0,
  });
});

Deno.test("without any readable PSS the memory is the sum of RSS, and says so", async () => {
  await using dir = await tempDir();
  const processes = [trainer, ...workers].map(({ pssKib: _, ...p }) => p);
  const { memory } = await measureOnce(dir.path, processes);
  deepEqual(memory, {
    memoryBytes: (8192 + 4 * 4096) * 1024,
    memoryKind: "rss",
    estimatedProcesses: 0,
  });
});

Deno.test("PSS reads stay within their budget: one of each group first, the rest estimated", async () => {
  await using dir = await tempDir();
  const { runtime, clock } = slowPssRuntime(1);
  const proc = await createFakeProc(join(dir.path, "proc"), { processes: [trainer, ...workers] });
  const walker = createTreeWalker(runtime, proc.root);
  const tracker = createPssTracker(runtime, proc.root, { budgetMs: 2, refreshFactor: 1000 });
  // 2 ms at 1 ms a read: the trainer and one worker; the other three at the worker's ratio.
  const first = await tracker.measure((await walker.walk(100)).processes);
  equal(first.estimatedProcesses, 3);
  equal(first.memoryBytes, (6144 + 4 * 1024) * 1024);
  // Two more a call, until every process has been read once.
  equal((await tracker.measure((await walker.walk(100)).processes)).estimatedProcesses, 1);
  equal((await tracker.measure((await walker.walk(100)).processes)).estimatedProcesses, 0);
  // Read at 1 ms each, a PSS is not read again for 1 s: meanwhile it follows the RSS.
  const reads = clock.ms;
  await proc.setProcess({ ...workers[0]!, rssKib: 4096 + 2048 });
  const grown = await tracker.measure((await walker.walk(100)).processes);
  equal(clock.ms, reads, "no PSS read again yet");
  equal(grown.memoryBytes, (6144 + 4 * 1024 + 2048) * 1024);
  clock.ms += 1000;
  await proc.setProcess({ ...workers[0]!, rssKib: 4096 + 2048, pssKib: 1024 + 512 });
  const reread = await tracker.measure((await walker.walk(100)).processes);
  equal(clock.ms, reads + 1000 + 2, "two stalest read again, within the budget");
  equal(reread.memoryBytes, (6144 + 4 * 1024 + 512) * 1024);
});

Deno.test("a process that ends is dropped; a new one is read at once", async () => {
  await using dir = await tempDir();
  const proc = await createFakeProc(join(dir.path, "proc"), { processes: [trainer, ...workers] });
  const walker = createTreeWalker(denoRuntime, proc.root);
  const tracker = createPssTracker(denoRuntime, proc.root, unbounded);
  equal((await tracker.measure((await walker.walk(100)).processes)).memoryBytes, 10240 * 1024);
  await proc.reap(104);
  await proc.reap(103);
  equal((await tracker.measure((await walker.walk(100)).processes)).memoryBytes, 8192 * 1024);
  // A new worker: never read before, so its PSS is read now.
  await proc.setProcess({ pid: 330, ppid: 100, comm: "python", rssKib: 4096, pssKib: 2048 });
  const after = await tracker.measure((await walker.walk(100)).processes);
  equal(after.estimatedProcesses, 0);
  equal(after.memoryBytes, (8192 + 2048) * 1024);
});

Deno.test("past the budget, reads go on until one PSS is known", async () => {
  await using dir = await tempDir();
  const { runtime } = slowPssRuntime(5);
  const proc = await createFakeProc(join(dir.path, "proc"), { processes: [trainer, ...workers] });
  const { processes: tree } = await createTreeWalker(runtime, proc.root).walk(100);
  // The trainer, read first, has exited by then; its 5 ms read spent the whole budget.
  await proc.removeProcess(100);
  const memory = await createPssTracker(runtime, proc.root, { budgetMs: 2 }).measure(tree);
  equal(memory.memoryKind, "pss");
  equal(memory.estimatedProcesses, 3);
  equal(memory.memoryBytes, 4 * 1024 * 1024);
});

/**
 * A churning process tree for the tracker's accuracy test, and a program that tracks one.
 *
 * Run as `deno run -A tests/helpers/churn.ts <sleepers> <seconds>`, it starts
 * {@link CHURN_SCRIPT} as its only child, reads the tree with the procfs reader every 300 ms
 * (as the sampler does) and, beside each reading, the tree's own PSS and RSS from every
 * process's smaps_rollup; once the tree has ended it prints one JSON line of what it saw, with
 * the kernel's figure for the whole tree: this program's own `cutime`/`cstime`, as it has
 * waited for nothing else.
 *
 * @module
 */
import { denoRuntime, systemPaths } from "../../lib/runtime.ts";
import { createProcfsReader } from "../../lib/sensors/procfs.ts";

/**
 * POSIX sh: `$1` sleeping children for the whole run, then for `$2` seconds rounds of ten
 * forked subshells that each burn a few ms of CPU and exit (hundreds a second), waited for by
 * the root; at the end the sleepers are killed and waited for.
 */
export const CHURN_SCRIPT = `
sleepers=""
i=0; while [ $i -lt $1 ]; do sleep 1000 & sleepers="$sleepers $!"; i=$((i+1)); done
end=$(( $(date +%s) + $2 ))
while [ "$(date +%s)" -lt "$end" ]; do
  burners=""
  j=0
  while [ $j -lt 10 ]; do
    ( k=0; while [ $k -lt 3000 ]; do k=$((k+1)); done ) &
    burners="$burners $!"
    j=$((j+1))
  done
  wait $burners
done
kill $sleepers
wait
`;

/** One reading of the tracker, and the tree's memory read right after it. */
export interface ChurnCheck {
  trackerBytes: number;
  kind: string;
  estimatedProcesses?: number;
  trackerProcesses: number;
  /** The tree's PSS and RSS, summed over every process's smaps_rollup. */
  pssBytes: number;
  rssBytes: number;
  processes: number;
}

/** What the tracking program prints. */
export interface ChurnReport {
  trackerCpuSeconds: number;
  /** The whole tree's CPU seconds as the kernel counted them. */
  kernelCpuSeconds: number;
  /** Processes the machine started per second during the run (/proc/stat `processes`). */
  forksPerSecond: number;
  checks: ChurnCheck[];
}

/** PSS and RSS of a live tree, read directly (children lists and smaps_rollup). */
function treeMemory(root: number): { pssBytes: number; rssBytes: number; processes: number } {
  let pssBytes = 0;
  let rssBytes = 0;
  let processes = 0;
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    const pid = queue[i]!;
    try {
      const text = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
      pssBytes += Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
      rssBytes += Number(/^Rss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
      processes++;
      for (const tid of Deno.readDirSync(`/proc/${pid}/task`)) {
        const kids = Deno.readTextFileSync(`/proc/${pid}/task/${tid.name}/children`);
        queue.push(...kids.split(" ").filter((s) => s.trim() !== "").map(Number));
      }
    } catch {
      // exited meanwhile
    }
  }
  return { pssBytes, rssBytes, processes };
}

if (import.meta.main) {
  const [sleepers, seconds] = Deno.args;
  const forks = () => Number(/^processes (\d+)/m.exec(Deno.readTextFileSync("/proc/stat"))?.[1]);
  const reader = createProcfsReader(denoRuntime, systemPaths(denoRuntime));
  await reader.systemCpu(); // the sampler's baseline, before the job starts
  const [forksBefore, startMs] = [forks(), performance.now()];
  const child = new Deno.Command("sh", {
    args: ["-c", CHURN_SCRIPT, "churn", sleepers ?? "300", seconds ?? "3"],
    stdout: "null",
  }).spawn();
  let ended = false;
  const status = child.status.then(() => (ended = true));
  const checks: ChurnCheck[] = [];
  while (!ended) {
    await Promise.race([status, new Promise((resolve) => setTimeout(resolve, 300))]);
    if (ended) break;
    const [usage] = await Promise.all([reader.jobUsage(child.pid), reader.systemCpu()]);
    const beside = treeMemory(child.pid);
    checks.push({
      trackerBytes: usage.memoryBytes,
      kind: usage.memoryKind,
      ...usage.estimatedProcesses !== undefined
        ? { estimatedProcesses: usage.estimatedProcesses }
        : {},
      trackerProcesses: usage.pids.length,
      ...beside,
    });
  }
  const forksPerSecond = (forks() - forksBefore) / ((performance.now() - startMs) / 1000);
  const final = await reader.jobUsage(child.pid);
  reader.close();
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  const report: ChurnReport = {
    trackerCpuSeconds: final.cpuSeconds,
    kernelCpuSeconds: (fields[13]! + fields[14]!) / 100,
    forksPerSecond,
    checks,
  };
  console.log(JSON.stringify(report));
}

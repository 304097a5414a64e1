/**
 * Benchmark of `impact run`'s own cost: extra CPU time (user + sys of the whole child tree)
 * of `impact run -- sleep 20` at 1 Hz over a 2-socket fake RAPL tree and 8 fake GPUs,
 * against a bare `sleep 20` (the fake nvidia-smi's own CPU reported apart and taken out);
 * the steady-state share of one core; peak RSS (VmHWM). Linux only (reads /proc). Takes about
 * a minute. Start-up is startup.ts's.
 *
 * Measured on what users start: `deno task build`'s `dist/impact` (a compiled binary, or the
 * launcher with the Deno runtime and the bundle appended, unpacked into a cache folder of the
 * benchmark's own), never `deno run main.ts` over the npm resolver.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "../bench.ts";
import { createFakeRapl } from "../../tests/helpers/fake_sysfs.ts";
import { build, type BuildResult } from "../build.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fakeSmi = join(root, "tests", "fixtures", "fake-nvidia-smi");
const TICKS = 100; // USER_HZ on Linux
const SECONDS = 20;

async function procTicks(path: string): Promise<{ self: number; children: number }> {
  const text = await Deno.readTextFile(path);
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
  // Fields after the command: state is [0], utime [11], stime [12], cutime [13], cstime [14].
  return { self: fields[11]! + fields[12]!, children: fields[13]! + fields[14]! };
}

/** CPU time of a process in seconds at nanosecond resolution (/proc/<pid>/schedstat). */
async function schedSeconds(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/schedstat`);
  return Number(text.split(" ")[0]) / 1e9;
}

const childrenCpuSeconds = async () => (await procTicks("/proc/self/stat")).children / TICKS;

async function vmHwmBytes(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/^VmHWM:\s+(\d+)/m.exec(text)?.[1] ?? 0) * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Builds `dist/impact`, what users start, and runs it once: a first tracked run unpacks the
 * launcher and fills Deno's code cache for the modules of `impact run`, which later runs find
 * compiled.
 *
 * @param env The environment of the benchmark's runs.
 * @param dir The benchmark's temporary folder (the warm-up's log goes there).
 * @returns The build.
 */
export async function warmBuild(env: Record<string, string>, dir: string): Promise<BuildResult> {
  const built = await build();
  await new Deno.Command(built.path, {
    args: ["run", "--quiet", "--no-env", "--log-dir", join(dir, "warm-up"), "--", "true"],
    env,
    stdout: "null",
  }).output();
  return built;
}

/** Runs the benchmark. */
export async function bench(): Promise<BenchResult[]> {
  if (Deno.build.os !== "linux") {
    console.log("run bench: Linux only (reads /proc); skipped");
    return [];
  }
  const dir = await Deno.makeTempDir({ prefix: "impact-bench-" });
  try {
    const rapl = await createFakeRapl(join(dir, "sys"), { sockets: 2, dram: true });
    const smiLog = join(dir, "smi.log");
    const env = {
      ...Deno.env.toObject(),
      IMPACT_SYSFS_ROOT: rapl.root,
      IMPACT_NVIDIA_SMI: fakeSmi,
      IMPACT_NVML_LIB: join(dir, "no-nvml.so"),
      FAKE_SMI_GPUS: "8",
      FAKE_SMI_LOG: smiLog,
      XDG_CACHE_HOME: join(dir, "cache"),
    };
    const built = await warmBuild(env, dir);

    // The tracked run.
    const before = await childrenCpuSeconds();
    const impact = new Deno.Command(built.path, {
      args: [
        "run",
        "--quiet",
        "--no-env",
        "--log-dir",
        join(dir, "log"),
        "--",
        "sleep",
        String(SECONDS),
      ],
      env,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    await sleep(5000);
    const at5 = await schedSeconds(impact.pid);
    await sleep(10000);
    const at15 = await schedSeconds(impact.pid);
    await sleep((SECONDS - 15) * 1000 - 500);
    const hwm = await vmHwmBytes(impact.pid);
    const streamPid = await streamPidFrom(smiLog);
    const streamSeconds = streamPid ? await schedSeconds(streamPid).catch(() => 0) : 0;
    const impactOut = await impact.output();
    if (impactOut.code !== 0) {
      throw new Error(
        `impact run exited ${impactOut.code}: ${new TextDecoder().decode(impactOut.stderr)}`,
      );
    }
    const trackedTotal = (await childrenCpuSeconds()) - before;
    const steadyShare = (at15 - at5) / 10;

    // The fake nvidia-smi's one-shot invocations (probe, compute-apps), measured apart.
    const invocations = (await Deno.readTextFile(smiLog).catch(() => "")).trim().split("\n").filter(
      (l) => l,
    );
    const oneShots = invocations.filter((l) =>
      !/ -lms? /.test(` ${l.split(" ").slice(1).join(" ")} `)
    );
    let oneShotSeconds = 0;
    for (const line of oneShots.slice(0, 5)) {
      const args = line.split(" ").slice(1);
      const c0 = await childrenCpuSeconds();
      await new Deno.Command(fakeSmi, { args, env, stdout: "null", stderr: "null" }).output();
      oneShotSeconds += (await childrenCpuSeconds()) - c0;
    }
    const fakeSeconds = streamSeconds +
      (oneShots.length > 0 ? (oneShotSeconds / Math.min(5, oneShots.length)) * oneShots.length : 0);

    // The bare command.
    const b0 = await childrenCpuSeconds();
    await new Deno.Command("sleep", { args: [String(SECONDS)] }).output();
    const bareSeconds = (await childrenCpuSeconds()) - b0;

    const extra = trackedTotal - fakeSeconds - bareSeconds;
    console.log(
      `run bench: tracked tree ${trackedTotal.toFixed(3)} s CPU, of which fake nvidia-smi ` +
        `${fakeSeconds.toFixed(3)} s (stream ${
          streamSeconds.toFixed(3)
        } s + ${oneShots.length} one-shot calls); ` +
        `bare sleep ${bareSeconds.toFixed(3)} s`,
    );

    return [
      {
        name: `extra CPU of impact run -- sleep ${SECONDS} (1 Hz, 2-socket RAPL, 8 GPUs)`,
        value: extra,
        unit: "s",
        baseline: { name: `bare sleep ${SECONDS}`, value: bareSeconds },
        target: "< 0.3 s",
        met: extra < 0.3,
      },
      {
        name: "steady-state CPU of the tracker",
        value: steadyShare * 100,
        unit: "% of a core",
        target: "< 0.2%",
        met: steadyShare < 0.002,
      },
      {
        name: "peak RSS of the tracker (VmHWM)",
        value: hwm / 1e6,
        unit: "MB",
        target: "< 60 MB",
        met: hwm < 60e6,
      },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function streamPidFrom(log: string): Promise<number | undefined> {
  const text = await Deno.readTextFile(log).catch(() => "");
  const line = text.split("\n").find((l) => / -lms /.test(` ${l} `) || / -l /.test(` ${l} `));
  return line ? Number(line.split(" ")[0]) : undefined;
}

/**
 * Benchmark of `impact run`'s own cost: extra CPU time (user + sys of the whole child tree)
 * of `impact run -- sleep 20` at 1 Hz over a 2-socket fake RAPL tree and 8 fake GPUs,
 * against a bare `sleep 20` (the fake nvidia-smi's own CPU reported apart and taken out);
 * then the same with the hwmon devices of an AMD/Intel node added (an MI250X's two dies, an
 * Arc card, a wall meter, zenergy), so their cost is the difference of two runs of the same
 * session; the steady-state share of one core; peak RSS (VmHWM). Linux only (reads /proc).
 * Takes about two minutes. Start-up is startup.ts's.
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
import {
  amdEnergy,
  amdgpu,
  createFakeHwmon,
  powerMeter,
  xeCard,
} from "../../tests/helpers/fake_hwmon.ts";
import { build, type BuildResult } from "../build.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fakeSmi = join(root, "tests", "fixtures", "fake-nvidia-smi");
const TICKS = 100; // USER_HZ on Linux
const SECONDS = 20;

/**
 * User + system seconds of a process (all its threads), and of the children it waited for,
 * from /proc/<pid>/stat (10 ms ticks).
 *
 * @param pid The process, or `self`.
 * @returns Its own and its reaped children's CPU seconds.
 */
export async function cpuSeconds(pid: number | "self"): Promise<{ own: number; reaped: number }> {
  const text = await Deno.readTextFile(`/proc/${pid}/stat`);
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
  // Fields after the command: state is [0], utime [11], stime [12], cutime [13], cstime [14].
  return { own: (f[11]! + f[12]!) / TICKS, reaped: (f[13]! + f[14]!) / TICKS };
}

/** CPU time of a process in seconds at nanosecond resolution (/proc/<pid>/schedstat). */
async function schedSeconds(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/schedstat`);
  return Number(text.split(" ")[0]) / 1e9;
}

const childrenCpuSeconds = async () => (await cpuSeconds("self")).reaped;

async function vmHwmBytes(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/^VmHWM:\s+(\d+)/m.exec(text)?.[1] ?? 0) * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What one tracked `impact run -- sleep 20` cost. */
interface TrackedCost {
  /** CPU of the tracker beyond the bare command and the fakes, s. */
  extra: number;
  /** The bare command's CPU, s. */
  bare: number;
  /** The tracker's share of one core between 5 s and 15 s. */
  steadyShare: number;
  hwmBytes: number;
}

/**
 * Runs the built `impact run -- sleep 20` once over the given fakes and takes its own CPU
 * apart from the bare command's and the fake nvidia-smi's.
 */
async function trackedCost(
  built: string,
  env: Record<string, string>,
  dir: string,
  label: string,
): Promise<TrackedCost> {
  const smiLog = env.FAKE_SMI_LOG!;
  await Deno.remove(smiLog).catch(() => {});
  const before = await childrenCpuSeconds();
  const impact = new Deno.Command(built, {
    args: [
      "run",
      "--quiet",
      "--no-env",
      "--log-dir",
      join(dir, `log-${label}`),
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
  const hwmBytes = await vmHwmBytes(impact.pid);
  const streamPid = await streamPidFrom(smiLog);
  const streamSeconds = streamPid ? await schedSeconds(streamPid).catch(() => 0) : 0;
  const impactOut = await impact.output();
  if (impactOut.code !== 0) {
    throw new Error(
      `impact run exited ${impactOut.code}: ${new TextDecoder().decode(impactOut.stderr)}`,
    );
  }
  const trackedTotal = (await childrenCpuSeconds()) - before;

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
  const bare = (await childrenCpuSeconds()) - b0;
  console.log(
    `run bench (${label}): tracked tree ${trackedTotal.toFixed(3)} s CPU, of which fake ` +
      `nvidia-smi ${fakeSeconds.toFixed(3)} s (stream ${streamSeconds.toFixed(3)} s + ` +
      `${oneShots.length} one-shot calls); bare sleep ${bare.toFixed(3)} s`,
  );
  return {
    extra: trackedTotal - fakeSeconds - bare,
    bare,
    steadyShare: (at15 - at5) / 10,
    hwmBytes,
  };
}

/**
 * The hwmon devices of a large AMD/Intel node beside the RAPL tree: an MI250X's two dies, an
 * Arc card, zenergy (scanned, left unused while RAPL reads the sockets) and a wall meter. No
 * amd-smi: a Python start per probe is the tool's own cost, not impact's.
 */
async function addHwmonDevices(sysfsRoot: string): Promise<void> {
  await createFakeHwmon(sysfsRoot, [
    { name: "k10temp", files: { temp1_input: "41000" } },
    amdEnergy({ coreWatts: Array(16).fill(5), socketWatts: [120, 110] }),
    amdgpu({ slot: "0000:c1:00.0", deviceId: "740c", watts: 400, capWatts: 560 }),
    amdgpu({ slot: "0000:c6:00.0", deviceId: "740c", capWatts: 0 }),
    xeCard({ slot: "0000:03:00.0", cardWatts: 200, pkgWatts: 150 }),
    powerMeter({ microwatts: 1_500_000_000 }),
  ]);
}

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
  await warmUp(built.path, env, dir);
  return built;
}

/** One tracked `true` over the given fakes: the modules their sensors load are then compiled. */
async function warmUp(path: string, env: Record<string, string>, dir: string): Promise<void> {
  await new Deno.Command(path, {
    args: [
      "run",
      "--quiet",
      "--no-env",
      "--log-dir",
      join(dir, `warm-up-${crypto.randomUUID()}`),
      "--",
      "true",
    ],
    env,
    stdout: "null",
  }).output();
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
    const withHwmon = await createFakeRapl(join(dir, "sys-hwmon"), { sockets: 2, dram: true });
    await addHwmonDevices(withHwmon.root);
    const env = {
      ...Deno.env.toObject(),
      IMPACT_SYSFS_ROOT: rapl.root,
      IMPACT_NVIDIA_SMI: fakeSmi,
      IMPACT_NVML_LIB: join(dir, "no-nvml.so"),
      IMPACT_AMD_SMI: join(dir, "no-amd-smi"),
      FAKE_SMI_GPUS: "8",
      FAKE_SMI_LOG: join(dir, "smi.log"),
      XDG_CACHE_HOME: join(dir, "cache"),
    };
    const built = await warmBuild(env, dir);
    await warmUp(built.path, { ...env, IMPACT_SYSFS_ROOT: withHwmon.root }, dir);

    const base = await trackedCost(built.path, env, dir, "RAPL + 8 GPUs");
    const hw = await trackedCost(
      built.path,
      { ...env, IMPACT_SYSFS_ROOT: withHwmon.root },
      dir,
      "RAPL + 8 GPUs + hwmon",
    );
    const cost = hw.extra - base.extra;
    console.log(
      `run bench: the hwmon sensors (2 amdgpu dies, an xe card, a wall meter, zenergy scanned) ` +
        `cost ${cost.toFixed(3)} s of CPU over ${SECONDS} s (10 ms ticks); steady state ` +
        `${(hw.steadyShare * 100).toFixed(3)}% of a core against ${
          (base.steadyShare * 100).toFixed(3)
        }% without them (schedstat, ns)`,
    );

    return [
      {
        name: `extra CPU of impact run -- sleep ${SECONDS} (1 Hz, 2-socket RAPL, 8 GPUs)`,
        value: base.extra,
        unit: "s",
        baseline: { name: `bare sleep ${SECONDS}`, value: base.bare },
        target: "< 0.3 s",
        met: base.extra < 0.3,
      },
      {
        name:
          `extra CPU of impact run -- sleep ${SECONDS} (the same + hwmon: MI250X, Arc, wall meter)`,
        value: hw.extra,
        unit: "s",
        baseline: { name: "the same run without the hwmon devices", value: base.extra },
        target: "< 0.3 s",
        met: hw.extra < 0.3,
      },
      {
        name: "steady-state CPU of the tracker (with the hwmon devices)",
        value: hw.steadyShare * 100,
        unit: "% of a core",
        baseline: { name: "without them", value: base.steadyShare * 100 },
        target: "< 0.2%",
        met: hw.steadyShare < 0.002,
      },
      {
        name: "peak RSS of the tracker (VmHWM)",
        value: Math.max(base.hwmBytes, hw.hwmBytes) / 1e6,
        unit: "MB",
        target: "< 60 MB",
        met: Math.max(base.hwmBytes, hw.hwmBytes) < 60e6,
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

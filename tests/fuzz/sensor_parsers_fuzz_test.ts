/**
 * Fuzzing the sensors' parsers (issue 12, item 4): nvidia-smi CSV and XML, PowerLog,
 * powermetrics, /proc and cgroup files and /proc/cpuinfo, from the real captures in
 * tests/fixtures/ mutated by a seeded generator.
 *
 * @module
 */
import { equal } from "node:assert/strict";
import { fuzz, oneOf } from "./fuzz.ts";
import { readFixture } from "../helpers/fixture_files.ts";
import {
  NvidiaSmiParseError,
  parseComputeApps,
  parseCsvTable,
  parseSmiVersion,
  parseSmiXml,
} from "../../lib/sensors/nvidia_smi_parse.ts";
import { parsePowerLog, PowerLogParseError } from "../../lib/sensors/powerlog_parse.ts";
import { parsePowermetrics, PowermetricsParseError } from "../../lib/sensors/powermetrics_parse.ts";
import { parseProcStat, parseSystemStat } from "../../lib/sensors/procfs_parse.ts";
import { parseCpuStat, parseProcCgroup } from "../../lib/sensors/cgroup.ts";
import { parseCpuinfo } from "../../lib/sensors/cpu_inventory.ts";

const COUNT = 3_000;
const GPU_FIELDS = [
  "index",
  "uuid",
  "name",
  "power.draw",
  "power.limit",
  "utilization.gpu",
  "memory.used",
];

/** A parsed nvidia-smi table as the sensor reads it: every cell as a value. */
function tableValues(text: string) {
  return parseCsvTable(text, GPU_FIELDS, "fuzz").map((row) => {
    const values: Record<string, unknown> = {};
    for (const [field, raw] of row) {
      const n = raw.trim() === "" ? undefined : Number(raw.replace(/\s*(W|%|MiB)$/, ""));
      // The field names carry the unit checks (power, memory); utilisation is checked below.
      values[field.replaceAll(".", "_")] = Number.isFinite(n) ? n : raw;
    }
    const utilization = values["utilization_gpu"];
    if (typeof utilization === "number" && (utilization < 0 || utilization > 100)) {
      throw new Error(`utilization ${utilization} passed the parser`);
    }
    return values;
  });
}

Deno.test("fuzz: nvidia-smi --query-gpu rows", async () => {
  const seeds = [
    "0, GPU-a, NVIDIA H100 80GB HBM3, 71.15 W, 700.00 W, 0 %, 59 MiB\n1, GPU-b, NVIDIA H100, 250.5, 700, 97, 40321\n",
    "index, uuid, name, power.draw [W], power.limit [W], utilization.gpu [%], memory.used [MiB]\n0, GPU-a, A100, [N/A], 400.00, [N/A], 5\n",
  ];
  const result = await fuzz({
    seed: 1201,
    count: COUNT,
    seeds,
    parse: tableValues,
    refuses: oneOf(NvidiaSmiParseError),
  });
  equal(result.parsed > 100 && result.refused > 100, true, JSON.stringify(result));
});

Deno.test("fuzz: nvidia-smi --query-compute-apps, -q -x and --version", async () => {
  const apps = await Promise.all([
    "nvidia-smi_query-compute-apps_h100_load_full.txt",
    "nvidia-smi_query-compute-apps_pid-name-mem_h100.txt",
    "gpu_compute_apps.csv",
  ].map(readFixture));
  await fuzz({
    seed: 1202,
    count: COUNT,
    seeds: apps.map((t) => t.split("\n").filter((l) => !l.startsWith("#")).join("\n")),
    parse: (text) => {
      const found = parseComputeApps(text);
      for (const app of found) {
        if (!Number.isSafeInteger(app.pid) || app.pid < 1) throw new Error(`pid ${app.pid} passed`);
      }
      return found.map((a) => ({ pid: a.pid, memoryMiB: a.usedMemoryMiB }));
    },
    refuses: oneOf(NvidiaSmiParseError),
  });
  const xml = await Promise.all(
    ["gpu_q_x_driver470.xml", "gpu_q_x_driver580.xml"].map(readFixture),
  );
  await fuzz({ seed: 1203, count: 1_000, seeds: xml, parse: parseSmiXml, refuses: () => false });
  const version = await readFixture("nvidia-smi_version_h100.txt");
  await fuzz({
    seed: 1204,
    count: 1_000,
    seeds: [version],
    parse: parseSmiVersion,
    refuses: () => false,
  });
});

Deno.test("fuzz: PowerLog files, finished and still being written", async () => {
  const seeds = await Promise.all(
    ["powerlog_laptop.csv", "powerlog_running_2pkg.csv"].map(readFixture),
  );
  let partial = false;
  await fuzz({
    seed: 1205,
    count: COUNT,
    seeds,
    parse: (text) => {
      partial = !partial;
      const log = parsePowerLog(text, "fuzz.csv", { partial });
      // The columns PowerLog defines with a unit; a column the mutation renamed is plain data.
      const units = (row: Map<string, number | string>) =>
        new Map([...row].filter(([column]) => /\s?\((?:Joules|mWh|Watt|sec)\)$/.test(column)));
      return {
        rows: log.rows.map(units),
        footer: units(log.footer),
        energy: log.energy,
        elapsedSeconds: log.elapsedSeconds,
      };
    },
    refuses: oneOf(PowerLogParseError),
  });
});

Deno.test("fuzz: powermetrics output", async () => {
  const seeds = await Promise.all(
    ["powermetrics_m1_macos12.txt", "powermetrics_m2_macos14.txt"].map(readFixture),
  );
  await fuzz({
    seed: 1206,
    count: COUNT,
    seeds,
    parse: parsePowermetrics,
    refuses: oneOf(PowermetricsParseError),
  });
});

Deno.test("fuzz: /proc/<pid>/stat, /proc/stat, /proc/<pid>/cgroup, cpu.stat and /proc/cpuinfo", async () => {
  const stat =
    "42 (my (odd) job) S 1 42 42 0 -1 4194560 1000 0 0 0 150 25 3 1 20 0 1 0 900 1000000 512 18446744073709551615";
  await fuzz({
    seed: 1207,
    count: COUNT,
    seeds: [stat],
    parse: (text) => parseProcStat(text, "/proc/42/stat"),
    refuses: oneOf(Error),
  });
  const system =
    "cpu  300 0 100 500 100 0 0 0 0 0\ncpu0 150 0 50 250 50 0 0 0 0 0\ncpu1 150 0 50 250 50 0 0 0 0 0\n";
  await fuzz({
    seed: 1208,
    count: COUNT,
    seeds: [system],
    parse: (t) => parseSystemStat(t),
    refuses: oneOf(Error),
  });
  const cgroups = [
    "0::/system.slice/slurmstepd.scope/job_4/step_0/user/task_0\n",
    "12:cpu,cpuacct:/slurm/uid_1000/job_4/step_0\n11:memory:/slurm/uid_1000/job_4\n",
  ];
  await fuzz({
    seed: 1209,
    count: COUNT,
    seeds: cgroups,
    parse: (t) => parseProcCgroup(t),
    refuses: oneOf(Error),
  });
  await fuzz({
    seed: 1210,
    count: COUNT,
    seeds: ["usage_usec 123456789\nuser_usec 100\nsystem_usec 23\n"],
    parse: (t) => ({ cpuSeconds: parseCpuStat(t, "cpu.stat") }),
    refuses: oneOf(Error),
  });
  const cpuinfo = await Promise.all(
    ["cpu_cpuinfo_amd_2socket.txt", "cpu_cpuinfo_arm64_neoverse.txt"].map(readFixture),
  );
  await fuzz({
    seed: 1211,
    count: 1_000,
    seeds: cpuinfo,
    parse: parseCpuinfo,
    refuses: () => false,
  });
});

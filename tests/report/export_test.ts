import { deepEqual, equal, ok } from "node:assert/strict";
import { CODECARBON_COLUMNS, exportRuns, IMPACT_COLUMNS } from "../../lib/report/export.ts";
import type { LogsFigures, RunFigures } from "../../lib/accounting/types.ts";
import { type CsvCell, formatCsv, parseCsv } from "../../lib/csv.ts";

function run(): RunFigures {
  const figures = {
    runs: 1,
    energyKwh: 1.5,
    itEnergyKwh: 1,
    componentKwh: { cpu: 0.3, dram: 0.15, gpu: 1.05, psys: 0 },
    measuredEnergyKwh: 1.5,
    estimatedEnergyKwh: 0,
    kgCO2e: 0.6,
    hours: 0.5,
    cpuHours: 4,
    gpuHours: 1,
    runsWithoutCpuCounter: 0,
    runsWithGaps: 0,
    unmeasuredDeviceHours: 0,
  };
  return {
    ...figures,
    gaps: [],
    dir: "logs/77/n1/node",
    pue: 1.5,
    zone: "US-CAL-CISO",
    intensityGramsPerKwh: 400,
    intensitySource: "test table, 2024",
    notes: ['PUE 1.5 of "cloud", assumed'],
    info: {
      schemaVersion: 1,
      tool: { name: "impact", version: "0.1.0" },
      command: ["python", "train.py"],
      cwd: "/w",
      start: "2025-03-01T10:00:00.000Z",
      host: { hostname: "n1", os: "Linux", arch: "x86_64", kernel: "6.1.0" },
      cpu: { model: "Xeon, Gold 6226R", threads: 64, memoryTotalBytes: 256 * 1024 ** 3 },
      gpus: [
        { index: 0, name: "NVIDIA A100-SXM4-40GB", usedByJob: true },
        { index: 1, name: "NVIDIA A100-SXM4-40GB", usedByJob: true },
        { index: 2, name: "NVIDIA A100-SXM4-40GB", usedByJob: false },
      ],
      sensors: [],
      attribution: "cgroup",
      options: { intervalSeconds: 1 },
      labels: { project: "vision" },
      region: { zone: "US-CAL-CISO", country: "USA", source: "--zone" },
      slurm: { jobId: "77", node: "n1", taskRank: 0, stepId: "0" },
    },
    summary: {
      schemaVersion: 1,
      start: "2025-03-01T10:00:00.000Z",
      end: "2025-03-01T10:30:00.250Z",
      durationSeconds: 1800,
      exitCode: 0,
      attribution: "cgroup",
      components: [
        {
          component: "cpu",
          device: "package-0",
          method: "counter",
          machineEnergyJoules: 0,
          attributedEnergyJoules: 720_000,
        },
        {
          component: "dram",
          device: "dram-0",
          method: "counter",
          machineEnergyJoules: 0,
          attributedEnergyJoules: 360_000,
        },
        {
          component: "gpu",
          device: "gpu-0",
          method: "counter",
          machineEnergyJoules: 0,
          attributedEnergyJoules: 2_520_000,
        },
      ],
      totals: {
        machineEnergyJoules: 0,
        attributedEnergyJoules: 3.6e6,
        measuredEnergyJoules: 3.6e6,
        estimatedEnergyJoules: 0,
      },
      power: { meanWatts: 0, peakWatts: 0 },
      cpuSeconds: 14400,
      gpuSeconds: 3600,
      samples: 1800,
    },
  };
}

/** The export's rows, read back with the one CSV codec. */
const readCsv = (text: string): string[][] => parseCsv(text).map((r) => r.fields);

const figures = (): LogsFigures => ({ runs: [run()], total: run(), warnings: [] });

Deno.test("CSV fields are quoted only where RFC 4180 needs it", () => {
  const row = (cell: CsvCell) => formatCsv(["x"], [{ x: cell }]).slice("x\n".length);
  equal(row("plain"), "plain\n");
  equal(row('say "hi", ok'), '"say ""hi"", ok"\n');
  equal(row("two\nlines"), '"two\nlines"\n');
  equal(row(" padded"), '" padded"\n');
  equal(row(undefined), "\n");
  equal(row(NaN), "\n");
  equal(row(false), "false\n");
});

Deno.test("codecarbon export has CodeCarbon's columns in its units (kWh, kg, W, GB)", () => {
  const [header, row] = readCsv(exportRuns(figures(), "codecarbon"));
  deepEqual(header, [...CODECARBON_COLUMNS]);
  const cols: string[] = header!;
  const cell = (name: string) => row![cols.indexOf(name)];
  equal(cell("timestamp"), "2025-03-01T10:30:00");
  equal(cell("project_name"), "vision");
  equal(cell("experiment_id"), "77");
  equal(cell("duration"), "1800");
  // Straight from the joules, to the last bit a double holds.
  const near = (name: string, want: number) =>
    ok(Math.abs(Number(cell(name)) - want) <= want * 1e-12, `${name}: ${cell(name)} vs ${want}`);
  near("emissions", 0.6);
  near("emissions_rate", 0.6 / 1800);
  near("energy_consumed", 1.5);
  near("gpu_energy", 1.05);
  near("cpu_energy", 0.3);
  near("ram_energy", 0.15);
  // Powers are the devices' own, before PUE: 0.7 kWh at the GPUs over half an hour is 1400 W.
  equal(Number(cell("gpu_power")), 1400);
  equal(Number(cell("cpu_power")), 400);
  equal(Number(cell("ram_power")), 200);
  equal(cell("ram_total_size"), "256");
  equal(cell("cpu_model"), "Xeon, Gold 6226R");
  equal(cell("gpu_count"), "2");
  equal(cell("gpu_model"), "2 x NVIDIA A100-SXM4-40GB");
  equal(cell("tracking_mode"), "process");
  equal(cell("on_cloud"), "N");
  equal(cell("pue"), "1.5");
  equal(cell("country_iso_code"), "USA");
  equal(cell("python_version"), "");
  equal(row!.length, CODECARBON_COLUMNS.length);
});

Deno.test("our csv and jsonl carry the SLURM context and the notes", () => {
  const [header, row] = readCsv(exportRuns(figures(), "csv"));
  deepEqual(header, [...IMPACT_COLUMNS]);
  equal(row![header!.indexOf("slurm_node")], "n1");
  equal(row![header!.indexOf("notes")], 'PUE 1.5 of "cloud", assumed');
  const lines = exportRuns(figures(), "jsonl").trimEnd().split("\n");
  equal(lines.length, 1);
  const record = JSON.parse(lines[0]!);
  equal(record.kg_co2e, 0.6);
  equal(record.slurm_job, "77");
  ok(!("exit_code" in record) || record.exit_code === 0);
});

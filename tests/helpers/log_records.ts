import { LOG_SCHEMA_VERSION, type RunInfo, type SampleRecord } from "../../lib/log/schema.ts";

/** A sample with one CPU package and one GPU at the given powers over `seconds`. */
export function sampleAt(
  t: string,
  seconds: number,
  cpuWatts: number,
  gpuWatts: number,
  share = 0.5,
): SampleRecord {
  return {
    t,
    intervalSeconds: seconds,
    devices: [
      {
        component: "cpu",
        device: "package-0",
        method: "counter",
        machineEnergyJoules: cpuWatts * seconds,
        attributedEnergyJoules: cpuWatts * seconds * share,
        powerWatts: cpuWatts,
      },
      {
        component: "gpu",
        device: "gpu-0",
        method: "integrated",
        machineEnergyJoules: gpuWatts * seconds,
        attributedEnergyJoules: gpuWatts * seconds,
        powerWatts: gpuWatts,
        usedByJob: true,
      },
    ],
    cpu: { jobShare: share, jobCpuSeconds: seconds * share, utilization: 0.5 },
    memory: { jobBytes: 1024, kind: "rss" },
  };
}

/** A minimal impact.json value. */
export function runInfo(start = "2026-01-01T00:00:00.000Z"): RunInfo {
  return {
    schemaVersion: LOG_SCHEMA_VERSION,
    tool: { name: "impact", version: "0.0.0-test" },
    command: ["sleep", "3"],
    cwd: "/tmp",
    start,
    host: { hostname: "test", os: "linux", arch: "x86_64" },
    cpu: {},
    gpus: [],
    sensors: [],
    attribution: "cpu-time-share",
    options: { intervalSeconds: 1 },
    labels: {},
  };
}

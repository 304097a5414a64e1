/**
 * NVIDIA GPUs through `nvidia-smi`: one long-lived `--query-gpu ... -lms N` stream (never
 * one spawn per sample), power integrated over time per GPU, and the processes on each GPU
 * from `--query-compute-apps` at a slower cadence.
 *
 * A GPU whose row says it is gone (`[GPU is lost]`) is a failed device while it says so; the
 * others are read as usual. A row whose power no board can draw (negative, above twice the
 * GPU's power limit: lib/sensors/plausible.ts) or that cannot be parsed stops that GPU's
 * integration until its next good row, and the read that covers it is `rebased`: a gap with
 * the row's reason, never a power held over it. A stream that dies or stops printing makes
 * `read()` reject, and the sampler calls `restart()` (with back-off) for a fresh stream.
 *
 * @module
 */

import { unavailableStatus } from "./status.ts";
import { createChildStream } from "./child_stream.ts";
import type { DeviceEnergy, DeviceReading, GpuInfo, SensorStatus } from "../types.ts";
import type { Runtime, SystemPaths } from "../runtime.ts";
import { type EnergySensor, SensorError } from "./types.ts";
import { gpuPowerBound, plausibleDetail, type PowerBound, powerProblem } from "./plausible.ts";
import {
  type CsvRow,
  failureReason,
  fatalPlaceholder,
  numberField,
  NvidiaSmiParseError,
  parseComputeApps,
  parseCsvRow,
  parseCsvTable,
  parseSmiVersion,
  parseSmiXml,
  textField,
  unknownField,
} from "./nvidia_smi_parse.ts";

const NAME = "nvidia-smi";
const FORMAT = "--format=csv,noheader,nounits";
const IDENTITY_FIELDS = ["index", "uuid", "name", "driver_version", "power.limit"];
const NEW_POWER_FIELDS = ["power.draw.instant", "power.draw.average", "power.draw"];
const OLD_POWER_FIELDS = ["power.draw"];
const STREAM_EXTRA_FIELDS = ["utilization.gpu", "memory.used"];
/** Bytes in a MiB (`memory.used` is in MiB). */
const MIB = 1024 * 1024;
const INSTALL_FIX =
  "Install the NVIDIA driver (it ships nvidia-smi), or set IMPACT_NVIDIA_SMI to the nvidia-smi executable";

/** Options of {@link createNvidiaSmiSensor}. */
export interface NvidiaSmiOptions {
  /** Period of the `-lms` stream, milliseconds. */
  intervalMs: number;
  /** Period of the `--query-compute-apps` query, milliseconds (default 5000). */
  appsIntervalMs?: number;
  /** Receives problems worth reporting that do not stop the sensor (a stream that ended). */
  onWarning?: (message: string) => void;
  /** read() fails when the stream has printed no row for this long, ms (default 10 s or 10 rows). */
  staleAfterMs?: number;
}

interface DeviceState {
  index: number;
  uuid?: string;
  energyJoules: number;
  powerWatts?: number;
  /** Monotonic ms up to which energy has been integrated. */
  integratedUntilMs: number;
  utilization?: number;
  memoryUsedBytes?: number;
  /** The placeholder of its last row while that row says the GPU is gone. */
  lost?: string;
  /** The most it can draw (twice its power limit). */
  bound: PowerBound;
  /**
   * Why a row could not be used (a power no board draws, an unparsable row): its time is not
   * integrated, and the next read reports it as rebased once a good row runs again.
   */
  glitch?: string;
  warnedMissingPower?: boolean;
  /** Whether a stream row for this GPU has arrived since the stream started. */
  seen?: boolean;
}

/** The nvidia-smi sensor, with the GPUs it found. */
export type NvidiaSmiSensor = EnergySensor & {
  /** GPUs found by `probe()` (name, uuid, driver and CUDA versions, power limit). */
  gpus(): GpuInfo[];
  /** Problems reported so far (stream deaths, missing power readings). */
  warnings(): string[];
};

/**
 * Creates the nvidia-smi sensor.
 *
 * @param runtime Where processes are spawned and time is read.
 * @param paths `nvidiaSmi` names the executable (`IMPACT_NVIDIA_SMI`).
 * @param options The stream and compute-apps periods.
 * @returns The sensor (method `integrated`, devices `gpu-<index>`).
 */
export function createNvidiaSmiSensor(
  runtime: Runtime,
  paths: SystemPaths,
  options: NvidiaSmiOptions,
): NvidiaSmiSensor {
  const smi = paths.nvidiaSmi;
  const appsIntervalMs = options.appsIntervalMs ?? 5000;
  const warnings: string[] = [];
  let status: SensorStatus | undefined;
  let gpuList: GpuInfo[] = [];
  const bounds = new Map<number, PowerBound>();
  let powerFields: string[] = [];
  let streamFields: string[] = [];
  const devices = new Map<number, DeviceState>();
  let pidsByUuid = new Map<string, number[]>();
  let appsAtMs = -Infinity;
  let appsInFlight: Promise<void> | undefined;
  let badLines = 0;
  const staleAfterMs = options.staleAfterMs ?? Math.max(10_000, 10 * options.intervalMs);

  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const unavailable = (reason: string, fix?: string): SensorStatus =>
    unavailableStatus(NAME, reason, { fix });

  async function run(args: string[]) {
    const out = await runtime.output(smi, { args });
    return { ...out, text: `${out.stdout}\n${out.stderr}` };
  }

  async function probe(): Promise<SensorStatus> {
    if (status) return status;
    status = await probeOnce().catch((error: unknown) => {
      if (error instanceof Deno.errors.NotFound) {
        return unavailable(`nvidia-smi was not found (looked for ${smi})`, INSTALL_FIX);
      }
      if (error instanceof NvidiaSmiParseError) {
        return unavailable(`nvidia-smi printed something unexpected: ${error.message}`);
      }
      return unavailable(`nvidia-smi could not be run: ${(error as Error).message}`, INSTALL_FIX);
    });
    return status;
  }

  async function probeOnce(): Promise<SensorStatus> {
    // New drivers know power.draw.instant/.average; old ones exit 2 naming the unknown field.
    // Drop each power field the driver names as unknown (one per run), down to power.draw.
    let candidates = NEW_POWER_FIELDS;
    let fields = [...IDENTITY_FIELDS, ...candidates];
    let out = await run([`--query-gpu=${fields.join(",")}`, FORMAT]);
    for (let unknown = unknownField(out.text); out.code !== 0 && unknown !== undefined;) {
      if (!candidates.includes(unknown) || candidates.length <= OLD_POWER_FIELDS.length) break;
      candidates = candidates.filter((f) => f !== unknown);
      fields = [...IDENTITY_FIELDS, ...candidates];
      out = await run([`--query-gpu=${fields.join(",")}`, FORMAT]);
      unknown = unknownField(out.text);
    }
    if (out.code !== 0) {
      return unavailable(
        failureReason(out.code, out.text),
        "Check that the NVIDIA driver is loaded (`nvidia-smi` works in a shell); in a container, pass the GPUs in (--gpus all)",
      );
    }
    const rows = parseCsvTable(out.stdout, fields, `nvidia-smi --query-gpu`);
    if (rows.length === 0) return unavailable("nvidia-smi listed no GPUs");
    // Prefer a 1 s average when sampling at 1 s or slower, the instantaneous value when faster.
    const ordered = options.intervalMs >= 1000
      ? ["power.draw.average", "power.draw.instant", "power.draw"].filter((f) =>
        candidates.includes(f)
      )
      : candidates;
    powerFields = ordered.filter((f) => rows.some((row) => numberField(row, f) !== undefined));
    if (powerFields.length === 0) {
      return unavailable(
        `power draw is not reported by these GPUs (${candidates.join(", ")} are ${
          placeholderOf(rows[0]!, candidates[0]!)
        })`,
      );
    }
    streamFields = ["index", "uuid", ...powerFields, ...STREAM_EXTRA_FIELDS];
    const versions = await readVersions();
    gpuList = rows.map((row, i) => {
      const index = numberField(row, "index") ?? i;
      const uuid = textField(row, "uuid");
      const xmlGpu = versions.gpus.find((g) => g.uuid !== undefined && g.uuid === uuid) ??
        versions.gpus[i];
      const gpu: GpuInfo = { index, name: textField(row, "name") ?? xmlGpu?.name ?? "unknown" };
      if (uuid !== undefined) gpu.uuid = uuid;
      const driverVersion = textField(row, "driver_version") ?? versions.driverVersion;
      if (driverVersion !== undefined) gpu.driverVersion = driverVersion;
      if (versions.cudaVersion !== undefined) gpu.cudaVersion = versions.cudaVersion;
      const limit = numberField(row, "power.limit") ?? xmlGpu?.powerLimitWatts;
      if (limit !== undefined) gpu.powerLimitWatts = limit;
      return gpu;
    });
    const plausible: Record<string, ReturnType<typeof plausibleDetail>> = {};
    for (const gpu of gpuList) {
      const bound = await gpuPowerBound(gpu);
      bounds.set(gpu.index, bound);
      plausible[`gpu-${gpu.index}`] = plausibleDetail(bound);
    }
    return {
      sensor: NAME,
      available: true,
      methods: ["integrated"],
      devices: gpuList.map((g) => `gpu-${g.index}`),
      detail: {
        executable: smi,
        powerFields,
        driverVersion: gpuList[0]?.driverVersion,
        cudaVersion: versions.cudaVersion,
        gpus: gpuList,
        plausible,
      },
    };
  }

  /**
   * CUDA version from `--version` (fast; newer drivers), else from `-q -x` (every driver, but
   * it takes a second or two on a full node), which also gives power limits and names.
   */
  async function readVersions(): Promise<ReturnType<typeof parseSmiXml>> {
    try {
      const version = await run(["--version"]);
      const parsed = version.code === 0 ? parseSmiVersion(version.stdout) : {};
      if (parsed.cudaVersion !== undefined) return { ...parsed, gpus: [] };
      const xml = await run(["-q", "-x"]);
      if (xml.code === 0) return parseSmiXml(xml.stdout);
    } catch {
      // Versions are a record, not a measurement: leave them out rather than fail the probe.
    }
    return { gpus: [] };
  }

  /** Takes one stream line; true when it was a GPU's row. */
  function handleLine(line: string, lineNumber: number): boolean {
    if (line.trim() === "") return false;
    let row: CsvRow;
    try {
      row = parseCsvRow(line, streamFields, "nvidia-smi -lms", lineNumber);
    } catch (error) {
      // A few bad lines are worth a word; a stream of them would drown the log.
      if (++badLines <= 3) warn((error as Error).message);
      // The GPU it names (the first field is its index) has no known power from here.
      const device = devices.get(leadingIndex(line));
      if (device) unusableRow(device, (error as Error).message, runtime.monotonicMs());
      return false;
    }
    const index = numberField(row, "index");
    const device = index === undefined ? undefined : devices.get(index);
    if (device === undefined) return false;
    // Arrival time, not the row's own timestamp field: nvidia-smi stamps rows in local time
    // without a zone, and read() must integrate on the same monotonic clock; the pipe adds
    // well under a millisecond.
    const nowMs = runtime.monotonicMs();
    device.seen = true;
    const lost = fatalPlaceholder(row);
    if (lost !== undefined) {
      // Nothing to integrate while the GPU is gone; counting resumes from its next good row.
      device.lost = lost;
      delete device.powerWatts;
      device.integratedUntilMs = nowMs;
      return true;
    }
    delete device.lost;
    const power = powerFields.map((f) => numberField(row, f)).find((w) => w !== undefined);
    const problem = power === undefined ? undefined : powerProblem(power, device.bound);
    if (problem !== undefined) {
      unusableRow(
        device,
        `nvidia-smi printed an impossible power for gpu-${index}: ${problem}`,
        nowMs,
      );
      return true;
    }
    if (device.glitch !== undefined && device.powerWatts === undefined) {
      // The first good row after an unusable one: the time since it stays unknown.
      device.integratedUntilMs = nowMs;
    }
    if (power === undefined) {
      if (!device.warnedMissingPower) {
        device.warnedMissingPower = true;
        warn(
          `gpu-${index} printed ${
            placeholderOf(row, powerFields[0]!)
          } for its power; the last reading is held`,
        );
      }
    }
    // Zero-order hold: the previous power covers the time since the last row. The first row
    // also covers the time since start(), when no reading existed yet.
    integrate(device, device.powerWatts ?? power, nowMs);
    if (power !== undefined) device.powerWatts = power;
    const utilization = numberField(row, "utilization.gpu");
    if (utilization !== undefined) device.utilization = utilization / 100;
    const memory = numberField(row, "memory.used");
    if (memory !== undefined) device.memoryUsedBytes = memory * MIB;
    return true;
  }

  /**
   * A row that gives no usable power for this GPU: the power held so far covers the time up to
   * it, nothing covers the time after it until a good row, and the next read says why.
   */
  function unusableRow(device: DeviceState, reason: string, nowMs: number) {
    integrate(device, device.powerWatts, nowMs);
    delete device.powerWatts;
    device.glitch = reason;
  }

  const stream = createChildStream(runtime, {
    sensor: NAME,
    label: "the -lms stream",
    spawn: () =>
      runtime.spawn(smi, {
        args: [
          `--query-gpu=${streamFields.join(",")}`,
          FORMAT,
          "-lms",
          String(options.intervalMs),
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }),
    rows: () => handleLine,
    ready: () => [...devices.values()].every((d) => d.seen),
    firstRowsWaitMs: Math.min(staleAfterMs, 5_000),
    staleAfterMs,
    beforeOpen() {
      const nowMs = runtime.monotonicMs();
      for (const device of devices.values()) {
        device.seen = false;
        delete device.powerWatts;
        delete device.glitch;
        device.integratedUntilMs = nowMs;
      }
    },
    afterOpen(startedMs) {
      for (const device of devices.values()) {
        if (device.powerWatts !== undefined) device.integratedUntilMs = startedMs;
      }
    },
    onWarning: warn,
  });

  async function refreshApps() {
    try {
      const out = await run([`--query-compute-apps=gpu_uuid,pid,used_memory`, FORMAT]);
      if (out.code !== 0) {
        warn(`${NAME}: --query-compute-apps failed: ${failureReason(out.code, out.text)}`);
        return;
      }
      const next = new Map<string, number[]>();
      for (const { gpuUuid, pid } of parseComputeApps(out.stdout)) {
        if (gpuUuid !== undefined) next.set(gpuUuid, [...(next.get(gpuUuid) ?? []), pid]);
      }
      pidsByUuid = next;
    } catch (error) {
      warn(`${NAME}: --query-compute-apps failed: ${(error as Error).message}`);
    } finally {
      appsAtMs = runtime.monotonicMs();
    }
  }

  function maybeRefreshApps() {
    if (appsInFlight || stream.closing) return;
    if (runtime.monotonicMs() - appsAtMs < appsIntervalMs) return;
    appsInFlight = refreshApps().finally(() => appsInFlight = undefined);
  }

  return {
    name: NAME,
    probe,
    gpus: () => gpuList.map((g) => ({ ...g })),
    warnings: () => [...warnings],
    async start() {
      const found = await probe();
      if (!found.available) throw new SensorError(NAME, found.reason ?? "unavailable");
      await refreshApps();
      devices.clear();
      for (const gpu of gpuList) {
        const state: DeviceState = {
          index: gpu.index,
          energyJoules: 0,
          integratedUntilMs: 0,
          bound: bounds.get(gpu.index)!,
        };
        if (gpu.uuid !== undefined) state.uuid = gpu.uuid;
        devices.set(gpu.index, state);
      }
      await stream.start();
    },
    restart: () => stream.restart(),
    read() {
      const nowMs = runtime.monotonicMs();
      const problem = stream.problem(nowMs);
      if (problem) return Promise.reject(problem);
      const result: DeviceReading[] = [];
      for (const device of devices.values()) {
        if (device.lost !== undefined) {
          result.push({
            component: "gpu",
            device: `gpu-${device.index}`,
            failure: `nvidia-smi printed ${device.lost} for gpu-${device.index}`,
          });
          continue;
        }
        integrate(device, device.powerWatts, nowMs);
        const energy: DeviceEnergy = {
          component: "gpu",
          device: `gpu-${device.index}`,
          method: "integrated",
          energyJoules: device.energyJoules,
          processIds: device.uuid === undefined ? [] : [...(pidsByUuid.get(device.uuid) ?? [])],
        };
        if (device.glitch !== undefined) {
          // Part of this interval is unknown: a gap, counted on from this value. Said again at
          // the next read while no good row has come since.
          energy.rebased = device.glitch;
          if (device.powerWatts !== undefined) delete device.glitch;
        }
        if (device.powerWatts !== undefined) energy.powerWatts = device.powerWatts;
        if (device.utilization !== undefined) energy.utilization = device.utilization;
        if (device.memoryUsedBytes !== undefined) energy.memoryUsedBytes = device.memoryUsedBytes;
        if (device.uuid !== undefined) energy.uuid = device.uuid;
        result.push(energy);
      }
      maybeRefreshApps();
      return Promise.resolve(result);
    },
    async close() {
      await stream.close();
      await appsInFlight;
    },
  };
}

/** Adds `watts` held since the device's last integration up to `nowMs`; none without a power. */
function integrate(device: DeviceState, watts: number | undefined, nowMs: number): void {
  if (watts === undefined) return;
  device.energyJoules += watts * Math.max(0, nowMs - device.integratedUntilMs) / 1000;
  device.integratedUntilMs = nowMs;
}

/** The GPU index a stream line starts with (`index` is the first field), or -1. */
function leadingIndex(line: string): number {
  const comma = line.indexOf(",");
  const first = (comma < 0 ? line : line.slice(0, comma)).trim();
  return /^\d{1,4}$/.test(first) ? Number(first) : -1;
}

/** The cell as printed, for a message (`[N/A]`, `[Not Supported]`). */
function placeholderOf(row: CsvRow, field: string): string {
  return row.get(field) ?? "nothing";
}

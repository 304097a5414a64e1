/**
 * Intel Power Gadget's `PowerLog` (macOS on Intel) as a sensor; its file format is
 * lib/sensors/powerlog_parse.ts.
 *
 * The sensor runs ONE `PowerLog -resolution <ms> -duration <s> -file <tmp>` for the whole
 * job (duration a week by default; it is stopped with SIGTERM at close) and reads the file's
 * last complete row at each read(), reading and parsing only the bytes added since the last
 * read (a week's file holds hundreds of thousands of rows). The footer is only written when PowerLog
 * finishes on its own, so it serves parsing a finished file, not the live run.
 *
 * Method `counter`: the "Cumulative ... Energy" columns are PowerLog's running sum of the
 * RAPL energy-status MSR deltas (the power column is that delta over the row's time, not the
 * other way round), so a difference of two rows is exact, like reading RAPL directly. Only
 * the package (`Processor`, as cpu) and `DRAM` domains become devices: `IA` (cores) and `GT`
 * (graphics) lie inside the package and would be counted twice.
 *
 * @module
 */

import { unavailableStatus } from "./status.ts";
import { stopChild } from "./child_stream.ts";
import type { FileTail, Runtime } from "../runtime.ts";
import type { SensorStatus } from "../types.ts";
import { type EnergySensor, SensorError } from "./types.ts";
import { parsePowerLog, type PowerLog, powerLogDevices, PowerLogReader } from "./powerlog_parse.ts";

const NAME = "powerlog";
const DEFAULT_EXECUTABLE = "/Applications/Intel Power Gadget/PowerLog";
const WEEK_SECONDS = 7 * 24 * 3600;
const NEWLINE = 0x0a;
const decoder = new TextDecoder();
const FIX =
  "Install Intel Power Gadget (Intel Macs; Intel stopped distributing it in 2023) or set IMPACT_POWERLOG to its PowerLog";

/** Options of {@link createPowerLogSensor}. */
export interface PowerLogOptions {
  /** PowerLog's `-resolution`, milliseconds. */
  resolutionMs: number;
  /** The executable; default `$IMPACT_POWERLOG`, else Intel Power Gadget's install path. */
  executable?: string;
  /** `-duration` of the run, seconds (default a week; close() stops it earlier). */
  durationSeconds?: number;
  /** `-duration` of the probe run, seconds (default 1). */
  probeDurationSeconds?: number;
  /** How long read() waits for the first row before it fails, ms (default 5000 or 3 rows). */
  firstRowTimeoutMs?: number;
}

/**
 * Creates the PowerLog sensor (macOS, Intel).
 *
 * @param runtime Where PowerLog is spawned and its file read.
 * @param options Resolution and executable.
 * @returns The sensor.
 */
export function createPowerLogSensor(runtime: Runtime, options: PowerLogOptions): EnergySensor {
  const executable = options.executable ?? runtime.env("IMPACT_POWERLOG") ?? DEFAULT_EXECUTABLE;
  const tmp = runtime.env("TMPDIR")?.replace(/\/$/, "") || "/tmp";
  const unique = `${runtime.now()}-${Math.floor(Math.random() * 1e9)}`;
  const file = `${tmp}/impact-powerlog-${unique}.csv`;
  const firstRowTimeoutMs = options.firstRowTimeoutMs ??
    Math.max(5000, 3 * options.resolutionMs);
  let status: SensorStatus | undefined;
  let child: Deno.ChildProcess | undefined;
  let exited: Deno.CommandStatus | undefined;
  let startedAtMs = 0;
  /** The run's file as read so far: up to `readBytes`, the end of its last complete line. */
  let reader = new PowerLogReader(file, { keepRows: false });
  let readBytes = 0;
  /** A line that did not parse fails this read and every later one, as it stays in the file. */
  let badLine: Error | undefined;

  function readAfresh() {
    reader = new PowerLogReader(file, { keepRows: false });
    readBytes = 0;
    badLine = undefined;
  }

  /** The bytes PowerLog added since the last read; none while it has not made the file. */
  async function added(): Promise<FileTail> {
    try {
      return await runtime.readFileFrom(file, readBytes);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return { bytes: new Uint8Array(), sizeBytes: 0 };
      throw new SensorError(NAME, `${file} could not be read`, { cause: error });
    }
  }

  /** The run's file up to its last complete line, reading and parsing only what was added. */
  async function logSoFar(): Promise<PowerLog> {
    let tail = await added();
    // Shorter than what was read: not the same file (PowerLog only appends).
    if (tail.sizeBytes < readBytes) {
      readAfresh();
      tail = await added();
    }
    if (badLine) throw badLine;
    // While PowerLog writes, the last line may be cut short: take up to the last line end
    // (a byte no UTF-8 sequence holds, so no character is split).
    const complete = tail.bytes.lastIndexOf(NEWLINE) + 1;
    if (complete > 0) {
      try {
        reader.push(decoder.decode(tail.bytes.subarray(0, complete)));
      } catch (error) {
        badLine = new SensorError(NAME, (error as Error).message, { cause: error });
        throw badLine;
      }
      readBytes += complete;
    }
    return reader.log();
  }

  const remove = (path: string) => runtime.output("rm", { args: ["-f", path] }).catch(() => {});
  const unavailable = (reason: string): SensorStatus =>
    unavailableStatus(NAME, reason, { fix: FIX });

  async function probeOnce(): Promise<SensorStatus> {
    const probeFile = `${tmp}/impact-powerlog-probe-${unique}.csv`;
    try {
      const out = await runtime.output(executable, {
        args: [
          "-resolution",
          String(Math.min(options.resolutionMs, 500)),
          "-duration",
          String(options.probeDurationSeconds ?? 1),
          "-file",
          probeFile,
        ],
      });
      if (out.code !== 0) {
        const said = `${out.stdout}\n${out.stderr}`.split("\n").map((l) => l.trim()).find(Boolean);
        return unavailable(`PowerLog exited with code ${out.code}${said ? `: ${said}` : ""}`);
      }
      const log = parsePowerLog(await runtime.readTextFile(probeFile), probeFile);
      const devices = powerLogDevices(log.energy);
      if (devices.length === 0) return unavailable("PowerLog wrote no package energy column");
      return {
        sensor: NAME,
        available: true,
        methods: ["counter"],
        devices: devices.map((d) => d.device),
        detail: { executable, domains: log.energy.map((d) => `${d.domain}_${d.packageIndex}`) },
      };
    } finally {
      await remove(probeFile);
    }
  }

  return {
    name: NAME,
    async probe() {
      status ??= await probeOnce().catch((error: unknown) =>
        error instanceof Deno.errors.NotFound
          ? unavailable(`PowerLog was not found at ${executable}`)
          : unavailable(`PowerLog could not be run: ${(error as Error).message}`)
      );
      return status;
    },
    async start() {
      const found = await this.probe();
      if (!found.available) throw new SensorError(NAME, found.reason ?? "unavailable");
      const args = [
        "-resolution",
        String(options.resolutionMs),
        "-duration",
        String(options.durationSeconds ?? WEEK_SECONDS),
        "-file",
        file,
      ];
      const process = runtime.spawn(executable, {
        args,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      });
      child = process;
      exited = undefined;
      readAfresh();
      process.status.then((s) => exited = s);
      startedAtMs = runtime.monotonicMs();
    },
    async read() {
      if (!child) throw new SensorError(NAME, "read() before start()");
      const log = await logSoFar();
      if (log.rows.length === 0) {
        if (exited) {
          throw new SensorError(
            NAME,
            `PowerLog exited with code ${exited.code} before writing a row`,
          );
        }
        if (runtime.monotonicMs() - startedAtMs > firstRowTimeoutMs) {
          throw new SensorError(
            NAME,
            `PowerLog wrote no rows to ${file} in ${firstRowTimeoutMs} ms`,
          );
        }
        return [];
      }
      if (exited) {
        throw new SensorError(NAME, `PowerLog exited with code ${exited.code} during the run`);
      }
      return powerLogDevices(log.energy, log.rows.at(-1));
    },
    async close() {
      const process = child;
      child = undefined;
      if (process) {
        await stopChild(process, process.status);
        await remove(file);
      }
    },
  };
}

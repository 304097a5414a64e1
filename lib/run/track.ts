/**
 * `track()`: measure the current process from TypeScript, the library form of `impact run`
 * (experiment-impact-tracker's `ImpactTracker` context manager, with `await using`).
 *
 * @module
 */
import type { Attribution } from "../types.ts";
import type { DeviceGap, RunSummary, SampleRecord } from "../log/schema.ts";
import { chooseLogDir, LogWriter } from "../log/write.ts";
import { captureEnvironmentInfo, startingInfo, startSession } from "./session.ts";
import { denoRuntime, type Runtime, systemPaths } from "../runtime.ts";
import { resolveGpus } from "../sensors/gpu_visibility.ts";
import { discoverSensors, type Discovery } from "../sensors/registry.ts";

/** Options of {@link track}. */
export interface TrackOptions {
  /** Seconds between samples (default 1). */
  intervalSeconds?: number;
  /** How the process's share is decided (default `cpu-time-share`). */
  attribution?: Attribution;
  /** Experiment metadata stored in impact.json. */
  labels?: Record<string, string>;
  /**
   * What impact.json must not record, as `impact run --redact`: every match in the strings it
   * records (command line, labels, working directory, environment) becomes `***`. URL
   * credentials (`user:password@`, token-like query parameters) are always blanked.
   */
  redact?: RegExp[];
  /** Record git and pip state (default true). */
  captureEnv?: boolean;
  /** Effects (tests pass fakes). */
  runtime?: Runtime;
  /** Sensors to use instead of discovering this machine's (tests). */
  discovery?: Discovery;
}

/** A running tracker; stop it with `stop()` or `await using`. */
export interface Tracker extends AsyncDisposable {
  /** The log directory being written. */
  readonly logDir: string;
  /**
   * The newest sample. A device that could not be read in its interval is absent from its
   * `devices` and listed in its `gaps`; sampling goes on.
   *
   * @returns The newest sample, or undefined before the first interval ends.
   */
  latest(): SampleRecord | undefined;
  /**
   * Every stretch a device was not measured so far (consecutive intervals merged), as
   * summary.json will list them.
   *
   * @returns The gaps, oldest first; empty when every device was measured.
   */
  gaps(): DeviceGap[];
  /**
   * Stops sampling, writes summary.json and the final impact.json. Safe to call twice.
   *
   * @returns The run's summary.
   */
  stop(): Promise<RunSummary>;
  /**
   * What could not be written to the log folder (a full disk, a quota), one sentence per file;
   * complete after `stop()`. What was written before is kept.
   *
   * @returns The problems, oldest first; empty when the log is whole.
   */
  logErrors(): string[];
}

/**
 * Starts measuring this process's energy into a new log directory.
 *
 * @param logDir The log directory (created; must not hold another run).
 * @param options Interval, attribution, labels, what not to record.
 * @returns The tracker.
 * @throws {LogDirError} When `logDir` already holds files.
 */
export async function track(logDir: string, options: TrackOptions = {}): Promise<Tracker> {
  const runtime = options.runtime ?? denoRuntime;
  const trackedFromMs = runtime.monotonicMs();
  const intervalMs = Math.round((options.intervalSeconds ?? 1) * 1000);
  const cwd = Deno.cwd();
  const writer = await LogWriter.create(
    chooseLogDir({ logDir, cwd, commandName: "track", nowMs: runtime.now() }),
    { redact: options.redact },
  );
  const discovery = options.discovery ??
    await discoverSensors(runtime, systemPaths(runtime), { intervalMs });
  const command = [Deno.execPath(), ...safeArgs()];
  const info = startingInfo(runtime, discovery, {
    command,
    cwd,
    attribution: options.attribution ?? "cpu-time-share",
    options: { intervalSeconds: intervalMs / 1000, library: true },
    labels: options.labels ?? {},
  });
  info.gpuVisibility = resolveGpus({ env: (name) => runtime.env(name), gpus: discovery.gpus });
  await writer.writeInfo(info);
  const environment = captureEnvironmentInfo(runtime, options.captureEnv !== false, {
    cwd,
    command: [],
  });
  const session = await startSession({
    runtime,
    discovery,
    writer,
    info,
    rootPid: Deno.pid,
    intervalMs,
    gpuSelection: info.gpuVisibility,
  });
  let summary: Promise<RunSummary> | undefined;
  let logErrors: string[] = [];
  const stop = () =>
    summary ??= (async () => {
      const jobWallSeconds = (runtime.monotonicMs() - trackedFromMs) / 1000;
      const end = await session.stop({ exitCode: null, info: await environment, jobWallSeconds });
      logErrors = end.logErrors;
      return end.summary;
    })();
  return {
    logDir: writer.dir,
    latest: () => session.sampler.latest(),
    gaps: () => session.summaryState().gaps.map((g) => ({ ...g })),
    stop,
    logErrors: () => {
      const failure = session.failure();
      return summary || !failure ? [...logErrors] : [failure.message];
    },
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}

function safeArgs(): string[] {
  try {
    return [Deno.mainModule, ...Deno.args];
  } catch {
    return [];
  }
}

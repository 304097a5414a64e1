/**
 * The `impact run` pipeline: check the command and the hardware, open the log directory,
 * start sampling, run the child with its signals forwarded, then write the summary and
 * print it. Returns the exit code (the child's, or one of ExitCode).
 *
 * @module
 */
import { ExitCode, RunError } from "./errors.ts";
import { assertCpus, assertGpus, HardwareMismatchError } from "../hardware.ts";
import type { SampleRecord } from "../log/schema.ts";
import { chooseLogDir, LogDirError, LogWriter } from "../log/write.ts";
import { type Runtime, type SystemPaths, systemPaths } from "../runtime.ts";
import type { DiscoverOptions, Discovery } from "../sensors/registry.ts";
import { ChildStartError, exitCodeOf, resolveCommand, spawnChild } from "./child.ts";
import type { RunContext, RunHooks } from "./hooks.ts";
import type { RunOptions } from "./options.ts";
import { formatStatusLine, formatSummary } from "./report.ts";
import { captureEnvironmentInfo, startingInfo, startSession } from "./session.ts";

/** What the pipeline needs from outside. */
export interface RunDeps {
  runtime: Runtime;
  cwd: string;
  stderr(text: string): void;
  stderrIsTerminal: boolean;
  discover(runtime: Runtime, paths: SystemPaths, options: DiscoverOptions): Promise<Discovery>;
  hooks: RunHooks[];
  /** The `--demo` workload's command line. */
  demoCommand(): string[];
}

/**
 * Runs one job under measurement.
 *
 * @param options Parsed `impact run` options.
 * @param deps Runtime, output and sensor discovery.
 * @returns The exit code: the child's (128 + N for signal N), 126/127, or an ExitCode.
 * @throws {RunError} For a hardware mismatch, an unusable log directory or a sensor that cannot start.
 */
export async function runJob(options: RunOptions, deps: RunDeps): Promise<number> {
  const { runtime, cwd } = deps;
  const command = options.demo ? deps.demoCommand() : options.command;
  const note = (text: string) => {
    if (!options.quiet) deps.stderr(`impact: ${text}\n`);
  };
  try {
    await resolveCommand(command[0]!, runtime.env("PATH"));
  } catch (error) {
    if (error instanceof ChildStartError) {
      deps.stderr(`impact: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }

  const discovery = await deps.discover(runtime, systemPaths(runtime), {
    intervalMs: options.intervalMs,
  });
  try {
    assertGpus(options.requireGpu, discovery.gpus);
    assertCpus(options.requireCpu, discovery.cpu);
  } catch (error) {
    await discovery.close();
    if (error instanceof HardwareMismatchError) {
      throw new RunError(`${error.message}; the command was not started`, ExitCode.hardware);
    }
    throw error;
  }

  const info = startingInfo(runtime, discovery, {
    command,
    cwd,
    attribution: options.attribution,
    options: {
      intervalSeconds: options.intervalMs / 1000,
      demo: options.demo,
      captureEnv: options.captureEnv,
      ...(options.logDir ? { logDir: options.logDir } : {}),
    },
    labels: options.labels,
  });
  const context: RunContext = {
    options,
    runtime,
    info,
    note,
    sampling: {
      sensors: discovery.sensors,
      usage: discovery.usage,
      cudaVisibleDevices: runtime.env("CUDA_VISIBLE_DEVICES"),
    },
  };
  try {
    return await measure(options, deps, context, discovery, command);
  } finally {
    for (const hook of deps.hooks) {
      await Promise.resolve().then(() => hook.dispose?.(context)).catch(() => {});
    }
  }
}

/** From the hooks' `beforeStart` to the summary: the part `dispose` hooks wrap. */
async function measure(
  options: RunOptions,
  deps: RunDeps,
  context: RunContext,
  discovery: Discovery,
  command: string[],
): Promise<number> {
  const { runtime, cwd } = deps;
  const { info } = context;
  let writer: LogWriter;
  try {
    for (const hook of deps.hooks) await hook.beforeStart?.(context);
    writer = await LogWriter.create(
      context.logDir !== undefined ? { path: context.logDir, explicit: true } : chooseLogDir({
        logDir: options.logDir,
        envLogDir: runtime.env("IMPACT_LOG_DIR"),
        cwd,
        commandName: options.demo ? "demo" : command[0]!,
        nowMs: runtime.now(),
      }),
    );
  } catch (error) {
    await discovery.close();
    if (error instanceof LogDirError) throw new RunError(error.message, ExitCode.usage);
    throw error;
  }
  await writer.writeInfo(info);
  // Off the hot path: gathered while the job runs, awaited before the final write.
  const environment = captureEnvironmentInfo(runtime, options.captureEnv, { cwd, command });

  const live = deps.stderrIsTerminal && !options.quiet;
  const startedMs = runtime.monotonicMs();
  const session = await startSession({
    runtime,
    // The plan's sensors and usage; closing still closes every sensor discovery found.
    discovery: {
      ...withoutUsage(discovery),
      sensors: context.sampling.sensors,
      ...(context.sampling.usage ? { usage: context.sampling.usage } : {}),
    },
    writer,
    info,
    intervalMs: options.intervalMs,
    cudaVisibleDevices: context.sampling.cudaVisibleDevices,
    beforeWrite: deps.hooks.filter((h) => h.onSample).map((h) => (r: SampleRecord) =>
      h.onSample!(r, context)
    ),
    observers: live
      ? [(record) => {
        const state = session.summaryState();
        const line = formatStatusLine(
          (runtime.monotonicMs() - startedMs) / 1000,
          record,
          state.machineEnergyJoules,
          state.attributedEnergyJoules,
        );
        deps.stderr(`\r\x1b[2K${line}`);
      }]
      : [],
  }).catch(async (error) => {
    writer.close();
    await environment;
    throw new RunError(`A sensor failed to start: ${(error as Error).message}`, ExitCode.sensor, {
      cause: error,
    });
  });
  let exitCode: number;
  let signal: string | null = null;
  try {
    const child = spawnChild(runtime, command, cwd);
    session.sampler.setRootPid(child.pid);
    const first = await Promise.race([child.status, session.failed]);
    if (first instanceof Error) {
      if (live) deps.stderr("\r\x1b[2K");
      deps.stderr(
        `impact: sampling stopped: ${first.message}; the command keeps running\n`,
      );
    }
    const status = await child.status;
    exitCode = exitCodeOf(status);
    signal = status.signal;
  } catch (error) {
    if (!(error instanceof ChildStartError)) throw error;
    deps.stderr(`impact: ${error.message}\n`);
    exitCode = error.exitCode;
  }
  const end = await session.stop({ exitCode, signal, info: await environment });
  for (const hook of deps.hooks) await hook.afterEnd?.(end.summary, context);
  if (live) deps.stderr("\r\x1b[2K");
  if (!options.quiet) {
    const extra: string[] = [];
    for (const hook of deps.hooks) {
      extra.push(...(await hook.summaryLines?.(end.summary, context) ?? []));
    }
    deps.stderr(formatSummary(end.summary, end.info, writer.dir, extra));
  }
  const failure = session.failure();
  if (failure) {
    deps.stderr(
      `impact: a sensor failed during the run (${failure.message}); the command itself exited ${exitCode}\n`,
    );
    return ExitCode.sensor;
  }
  return exitCode;
}

function withoutUsage(discovery: Discovery): Discovery {
  const { usage: _usage, ...rest } = discovery;
  return rest;
}

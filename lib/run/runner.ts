/**
 * The `impact run` pipeline: check the command and the hardware, then the run's steps, each a
 * function returning a plain value merged here into impact.json and the sampling plan:
 * resolve the region (lib/run/region.ts) and start its live intensity
 * (lib/run/live_intensity.ts), plan the SLURM role, the cgroup and the metrics endpoint
 * (lib/run/cluster.ts). Then open the log directory, start sampling, run the child with its
 * signals forwarded, write the summary and print it. Returns the exit code (the child's, or
 * one of ExitCode).
 *
 * @module
 */
import { assertCpus, assertGpus, HardwareMismatchError } from "../hardware.ts";
import type { LiveProvider } from "../geo/live/poller.ts";
import type { RegionInfo, RunInfo, RunSummary, SampleRecord } from "../log/schema.ts";
import {
  chooseLogDir,
  type LogDirChoice,
  LogDirError,
  LogWriter,
  type LogWriterOptions,
} from "../log/write.ts";
import { type Runtime, type SystemPaths, systemPaths } from "../runtime.ts";
import type { DiscoverOptions, Discovery } from "../sensors/registry.ts";
import type { EnergySensor } from "../sensors/types.ts";
import { findMarkedProcesses, RUN_MARKER_VARIABLE } from "../sensors/escaped.ts";
import { resolveGpus } from "../sensors/gpu_visibility.ts";
import type { GpuInfo, GpuSelection, UsageSource } from "../types.ts";
import type { DemoCommand } from "./demo.ts";
import { ChildStartError, exitCodeOf, resolveCommand, spawnChild } from "./child.ts";
import { type CgroupPlan, planCgroup, planSlurm, type SlurmPlan, startMetrics } from "./cluster.ts";
import { ExitCode, logDirRefused, RunError } from "./errors.ts";
import { type LiveIntensity, startLiveIntensity } from "./live_intensity.ts";
import type { RunOptions } from "./options.ts";
import { type RegionStepDeps, resolveRunRegion } from "./region.ts";
import {
  carbonSummaryLines,
  escapedNote,
  formatStatusLine,
  formatSummary,
  intervalFloorNote,
  shortenedIntervalNote,
} from "./report.ts";
import { captureEnvironmentInfo, startingInfo, startSession } from "./session.ts";

/** What the pipeline needs from outside. */
export interface RunDeps {
  runtime: Runtime;
  cwd: string;
  stderr(text: string): void;
  stderrIsTerminal: boolean;
  discover(runtime: Runtime, paths: SystemPaths, options: DiscoverOptions): Promise<Discovery>;
  /** Fakes for the region step (tests); the real geo modules by default. */
  region?: RegionStepDeps;
  /** The `--demo` workload's command line, and what the log records of it. */
  demoCommand(): DemoCommand;
  /** Opens the log directory (tests pass a writer that fails on demand); `LogWriter.create` by default. */
  openLog?(choice: LogDirChoice, options: LogWriterOptions): Promise<LogWriter>;
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
  const demo = options.demo ? deps.demoCommand() : undefined;
  const command = demo?.spawn ?? options.command;
  // A line on stderr; a note is one that --quiet silences.
  const warn = (text: string) => deps.stderr(`impact: ${text}\n`);
  const note = (text: string) => {
    if (!options.quiet) warn(text);
  };
  try {
    await resolveCommand(command[0]!, runtime.env("PATH"));
  } catch (error) {
    if (error instanceof ChildStartError) {
      warn(error.message);
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
    command: demo?.recorded ?? command,
    cwd,
    attribution: options.attribution,
    options: {
      intervalSeconds: options.intervalMs / 1000,
      demo: options.demo,
      ...(demo ? { workload: demo.workload } : {}),
      captureEnv: options.captureEnv,
      ...(options.logDir ? { logDir: options.logDir } : {}),
    },
    labels: options.labels,
  });
  // What the steps took (a live poller, the node's lock, a metrics server), given back once
  // the run is over, also when it failed on the way.
  const releases: (() => Promise<void>)[] = [];
  const releaseAll = () =>
    Promise.all(releases.splice(0).map((release) => release().catch(() => {})));
  try {
    return await measure(options, deps, {
      info,
      discovery,
      command,
      warn,
      note,
      releases,
      releaseAll,
    });
  } finally {
    await releaseAll();
  }
}

/** What the run's steps decided: impact.json as it starts, and what the sampler reads. */
interface RunPlan {
  info: RunInfo;
  /** The log folder the steps chose (a SLURM task's), else undefined. */
  logDir?: string | undefined;
  sensors: EnergySensor[];
  usage?: UsageSource | undefined;
  /** The GPUs the job's settings name, and how that was decided. */
  gpuSelection: GpuSelection;
  live?: LiveIntensity | undefined;
  /** Sets a record's optional fields (live intensity, SLURM task) and exports it (metrics). */
  decorate(record: SampleRecord): void;
}

/** What {@link measure} works with. */
interface RunState {
  info: RunInfo;
  discovery: Discovery;
  command: string[];
  warn(text: string): void;
  note(text: string): void;
  releases: (() => Promise<void>)[];
  releaseAll(): Promise<unknown>;
}

/**
 * The run's steps in order: region, live intensity, SLURM role, cgroup, metrics. Each returns
 * a plain value; this merges them into impact.json and the sampling plan.
 */
async function planRun(options: RunOptions, deps: RunDeps, state: RunState): Promise<RunPlan> {
  const { runtime } = deps;
  const { discovery, note, warn, releases } = state;
  const env = (name: string) => runtime.env(name);
  const fetch = deps.region?.fetch;

  const { region, notes, warnings } = await resolveRunRegion(options, env, deps.region);
  notes.forEach(note);
  warnings.forEach(warn);
  let live: LiveIntensity | undefined;
  if (options.live) {
    live = await startLiveIntensity(options.live, region, {
      env,
      now: () => runtime.now(),
      note,
      ...(fetch ? { fetch } : {}),
    });
    releases.push(live.stop);
  }
  const slurm = await planSlurm(runtime, {
    hostname: state.info.host.hostname,
    cwd: state.info.cwd,
    logDir: options.logDir,
    gpus: state.info.gpus,
    explicitGpus: options.gpus,
  });
  if (slurm) {
    releases.push(slurm.release);
    slurm.notes.forEach(note);
  }
  const cgroup = await planCgroup(runtime, {
    cgroup: options.cgroup,
    attribution: options.attribution,
    nodeSampler: slurm?.samplesNode,
    system: discovery.usage,
  });
  cgroup?.notes.forEach(note);
  const gpuSelection = slurm?.gpuSelection ?? resolveRunGpus(env, state.info.gpus, options.gpus);
  const info = plannedInfo(state.info, {
    region: live ? { ...region, live: live.report() } : region,
    liveIntensity: options.live?.provider,
    slurm,
    gpus: gpuSelection,
    cgroup,
  });

  const metrics = options.metrics === undefined ? undefined : await startMetrics(options.metrics, {
    hostname: info.host.hostname,
    slurm: info.slurm,
    labels: options.labels,
  });
  if (metrics) {
    releases.push(metrics.stop);
    note(`metrics at ${metrics.url}`);
  }
  return {
    info,
    logDir: slurm?.logDir,
    // A SLURM task that is not its node's sampler reads no device: another task counts them.
    sensors: slurm && !slurm.samplesNode ? [] : discovery.sensors,
    usage: cgroup?.usage ?? discovery.usage,
    gpuSelection,
    live,
    decorate(record) {
      live?.stamp(record);
      if (slurm) record.slurm = slurm.slurm;
      metrics?.add(record);
    },
  };
}

/** The job's GPUs outside SLURM; a malformed `--gpus` is a usage error. */
function resolveRunGpus(
  env: (name: string) => string | undefined,
  gpus: GpuInfo[],
  explicit: string | undefined,
): GpuSelection {
  try {
    return resolveGpus({ env, gpus, explicit });
  } catch (error) {
    throw new RunError((error as Error).message, ExitCode.usage);
  }
}

/**
 * impact.json as the run's steps leave it: the region (with the live report), the live source,
 * the SLURM task, the GPUs the job's settings name, the cgroup's status and attribution. Pure:
 * returns a new record.
 *
 * @param info impact.json as the run started it.
 * @param steps What the steps returned.
 * @returns The run info to write.
 */
export function plannedInfo(
  info: RunInfo,
  steps: {
    region: RegionInfo;
    liveIntensity?: LiveProvider | undefined;
    slurm?: Pick<SlurmPlan, "slurm"> | undefined;
    gpus?: GpuSelection | undefined;
    cgroup?: Pick<CgroupPlan, "status" | "attribution"> | undefined;
  },
): RunInfo {
  const { slurm, cgroup, gpus } = steps;
  const planned: RunInfo = { ...info, options: { ...info.options }, region: steps.region };
  if (steps.liveIntensity) planned.options.liveIntensity = steps.liveIntensity;
  if (slurm) planned.slurm = slurm.slurm;
  if (gpus) {
    planned.gpuVisibility = gpus;
    const used = new Set(gpus.gpus.filter((g) => g.share > 0).map((g) => g.index));
    planned.gpus = info.gpus.map((gpu) => used.has(gpu.index) ? { ...gpu, usedByJob: true } : gpu);
  }
  if (cgroup) {
    planned.sensors = [...info.sensors, cgroup.status];
    if (cgroup.attribution) planned.attribution = cgroup.attribution;
  }
  return planned;
}

/** From the steps to the summary: the part whose takings {@link runJob} gives back. */
async function measure(options: RunOptions, deps: RunDeps, state: RunState): Promise<number> {
  const { runtime, cwd } = deps;
  const { discovery, command, warn, note } = state;
  let plan: RunPlan;
  let writer: LogWriter | undefined;
  let choice: LogDirChoice | undefined;
  try {
    plan = await planRun(options, deps, state);
    choice = plan.logDir !== undefined ? { path: plan.logDir, explicit: true } : chooseLogDir({
      logDir: options.logDir,
      envLogDir: runtime.env("IMPACT_LOG_DIR"),
      cwd,
      commandName: options.demo ? "demo" : command[0]!,
      nowMs: runtime.now(),
    });
    // What the log records loses URL credentials and the user's --redact matches.
    writer = await (deps.openLog ?? LogWriter.create)(choice, { redact: options.redact });
    // Before the command starts: a log folder that refuses even impact.json is no place to run.
    await writer.writeInfo(plan.info);
  } catch (error) {
    writer?.close();
    await discovery.close();
    if (error instanceof LogDirError) throw new RunError(error.message, ExitCode.usage);
    const doing = writer ? "write impact.json in" : "create the log directory";
    throw choice ? logDirRefused(error, writer?.dir ?? choice.path, doing) : error;
  }
  const { info } = plan;
  // Off the hot path: gathered while the job runs, awaited before the final write.
  const environment = captureEnvironmentInfo(runtime, options.captureEnv, { cwd, command });

  const live = deps.stderrIsTerminal && !options.quiet;
  const startedMs = runtime.monotonicMs();
  const session = await startSession({
    runtime,
    // The plan's sensors and usage; closing still closes every sensor discovery found.
    discovery: {
      ...discovery,
      sensors: plan.sensors,
      ...(plan.usage ? { usage: plan.usage } : {}),
    },
    writer,
    info,
    intervalMs: options.intervalMs,
    gpuSelection: plan.gpuSelection,
    beforeWrite: plan.decorate,
    afterWrite: live
      ? (record) => {
        const state = session.summaryState();
        const line = formatStatusLine(
          (runtime.monotonicMs() - startedMs) / 1000,
          record,
          state.machineEnergyJoules,
          state.attributedEnergyJoules,
        );
        deps.stderr(`\r\x1b[2K${line}`);
      }
      : undefined,
  }).catch(async (error) => {
    writer.close();
    await environment;
    throw new RunError(`A sensor failed to start: ${(error as Error).message}`, ExitCode.sensor, {
      cause: error,
    });
  });
  const shortened = shortenedIntervalNote(
    options.intervalMs,
    session.sampler.intervalMs,
    plan.sensors,
  );
  if (shortened) note(shortened);
  const floor = session.sampler.intervalFloor;
  if (floor) warn(intervalFloorNote(floor));
  let exitCode: number;
  let signal: string | null = null;
  let jobWallSeconds: number | undefined;
  // Every process the command starts inherits it: at the end, those still running are found.
  const marker = crypto.randomUUID();
  let started = false;
  try {
    // Stamped before the spawn: the child runs from inside spawnChild, so a stamp taken after
    // it would leave the child's first milliseconds out of its wall time.
    const childStartMs = runtime.monotonicMs();
    const child = spawnChild(runtime, command, cwd, { [RUN_MARKER_VARIABLE]: marker });
    started = true;
    session.sampler.setRootPid(child.pid);
    const first = await Promise.race([child.status, session.failed]);
    if (first instanceof Error) {
      if (live) deps.stderr("\r\x1b[2K");
      warn(
        `sampling stopped: ${first.message}; the command keeps running, and the samples ` +
          "written so far are kept",
      );
    }
    const status = await child.status;
    jobWallSeconds = (runtime.monotonicMs() - childStartMs) / 1000;
    exitCode = exitCodeOf(status);
    signal = status.signal;
  } catch (error) {
    if (!(error instanceof ChildStartError)) throw error;
    warn(error.message);
    exitCode = error.exitCode;
  }
  const final: Partial<RunInfo> = { ...await environment };
  if (started) {
    const escaped = await findMarkedProcesses(runtime, systemPaths(runtime).procfsRoot, marker);
    if (escaped.count > 0) {
      final.escapedProcesses = escaped;
      warn(escapedNote(escaped));
    }
  }
  // The live polls and failures as of the last sample.
  if (plan.live && info.region) final.region = { ...info.region, live: plan.live.report() };
  const end = await session.stop({
    exitCode,
    signal,
    info: final,
    ...(jobWallSeconds !== undefined ? { jobWallSeconds } : {}),
  });
  await state.releaseAll();
  if (live) deps.stderr("\r\x1b[2K");
  if (!options.quiet) {
    const extra = carbonSummaryLines(
      end.summary,
      end.info.region,
      plan.live?.tally(),
      runtime.env("OVERRIDE_PUE"),
    );
    if (shortened) extra.push(`  ${shortened}`);
    deps.stderr(formatSummary(end.summary, end.info, writer.dir, extra));
  }
  // Even with --quiet: a log that is not whole must never pass unnoticed.
  for (const problem of end.logErrors) warn(`log incomplete: ${problem}`);
  return strictExitCode(options.strictSensors, exitCode, end.summary, session.failure(), warn);
}

/**
 * The exit code of a run: the command's own, whatever the sensors did (a gap is in the log and
 * the summary); with `--strict-sensors`, {@link ExitCode.sensor} when any device was not
 * measured for a while or sampling stopped, the command's code printed beside it.
 */
function strictExitCode(
  strict: boolean,
  exitCode: number,
  summary: RunSummary,
  failure: Error | undefined,
  warn: (text: string) => void,
): number {
  const gaps = summary.gaps?.length ?? 0;
  if (!strict || (gaps === 0 && !failure)) return exitCode;
  const why = failure ? "sampling stopped early" : `${gaps} measurement gap(s) were recorded`;
  warn(
    `--strict-sensors: ${why}, so impact exits ${ExitCode.sensor}; the command itself exited ${exitCode}`,
  );
  return ExitCode.sensor;
}

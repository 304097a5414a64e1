/**
 * For sensors that own a long-running child process (`nvidia-smi -lms`, `amd-smi --watch`,
 * `powermetrics`, PowerLog): reading its stdout line by line, and stopping it; and, for the
 * streams that print a row per device and can be restarted (nvidia-smi, amd-smi), the whole
 * life of one: the wait for every device's first row, the failure when it ends or stops
 * printing, the restart ({@link createChildStream}).
 *
 * @module
 */
import type { Runtime } from "../runtime.ts";
import { SensorError } from "./types.ts";

const STREAM_BUFFER_BYTES = 16 * 1024;

/** How a child's output stream ended. */
export interface ChildStreamEnd {
  /** The child's exit code. */
  code: number;
  /** Everything it printed on stderr. */
  stderr: string;
  /** Why reading stopped early: the pipe broke or `onLine` threw. */
  error?: Error;
}

/**
 * Feeds each line of a child's stdout to `onLine` (a trailing CR removed), then waits for it
 * to exit. A broken pipe or a throwing `onLine` stops the reading; the error is returned.
 *
 * @param process A child spawned with piped stdout and stderr.
 * @param onLine Called with each line and its 1-based number.
 * @returns The exit code, the stderr text and the error that stopped the reading, if any.
 */
export async function readChildLines(
  process: Deno.ChildProcess,
  onLine: (line: string, lineNumber: number) => void,
): Promise<ChildStreamEnd> {
  const stderrText = new Response(process.stderr).text().catch(() => "");
  let error: Error | undefined;
  // One reused buffer read in place (BYOB) and one streaming decoder: no TransformStream and
  // no fresh 64 KiB chunk per read, which cost more than the rows themselves at 1 Hz.
  const reader = process.stdout.getReader({ mode: "byob" });
  const decoder = new TextDecoder();
  let buffer = new Uint8Array(STREAM_BUFFER_BYTES);
  let pending = "";
  let lineNumber = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read(buffer);
      if (done || value === undefined) break;
      pending += decoder.decode(value, { stream: true });
      buffer = new Uint8Array(value.buffer);
      let start = 0;
      let newline: number;
      while ((newline = pending.indexOf("\n", start)) >= 0) {
        const end = newline > start && pending.charCodeAt(newline - 1) === 13
          ? newline - 1
          : newline;
        onLine(pending.slice(start, end), ++lineNumber);
        start = newline + 1;
      }
      pending = start === 0 ? pending : pending.slice(start);
    }
  } catch (caught) {
    error = caught instanceof Error ? caught : new Error(String(caught));
  }
  const status = await process.status;
  const end: ChildStreamEnd = { code: status.code, stderr: await stderrText };
  if (error) end.error = error;
  return end;
}

/**
 * Asks a child to stop (SIGTERM; one that has already exited is fine) and waits until
 * `done` settles (the reader of its output, or its exit status).
 *
 * @param process The child, if one was started.
 * @param done What to wait for after the signal.
 */
export async function stopChild(
  process: Deno.ChildProcess | undefined,
  done: Promise<unknown> | undefined,
): Promise<void> {
  try {
    process?.kill("SIGTERM");
  } catch {
    // Already exited.
  }
  await done;
}

/** Handles one line of a child's stdout; true when it was a device's row (the stream lives). */
export type RowHandler = (line: string, lineNumber: number) => boolean;

/** Options of {@link createChildStream}. */
export interface ChildStreamOptions {
  /** The sensor's name, for its errors. */
  sensor: string;
  /** The stream in words, for its errors: `the -lms stream`. */
  label: string;
  /** Starts a child with piped stdout and stderr. */
  spawn(): Deno.ChildProcess;
  /** A handler for one child's lines, fresh for each child (a parser may keep state). */
  rows(): RowHandler;
  /** Whether every device has printed a row since the child started: the first-rows wait ends. */
  ready(): boolean;
  /** The longest first-rows wait, ms. */
  firstRowsWaitMs: number;
  /** Reads fail when the child has printed no row for this long, ms. */
  staleAfterMs: number;
  /** Before each child starts: the sensor forgets what the last one printed. */
  beforeOpen(): void;
  /** Once the first-rows wait is over, with the instant counting starts from (monotonic ms). */
  afterOpen(startedMs: number): void;
  /** The line of a child's stderr that says why it ended (default: its first). */
  said?(stderr: string): string | undefined;
  /** Told when a child ends while the stream is open. */
  onWarning?(message: string): void;
}

/** One long-lived child at a time, as a restartable sensor reads it. */
export interface ChildStream {
  /** Whether {@link ChildStream.close} was called since the last start. */
  readonly closing: boolean;
  /** Starts a child and waits for its first rows. */
  start(): Promise<void>;
  /**
   * Stops the child and starts a new one, waiting for its first rows; rejects with the reason
   * when the new one could not start or ended at once, and before `start()` or after `close()`.
   */
  restart(): Promise<void>;
  /**
   * Why reads fail now, if they do: the child ended or could not start, or it has printed no
   * row for longer than `staleAfterMs`.
   *
   * @param nowMs The read's monotonic time.
   */
  problem(nowMs: number): SensorError | undefined;
  /** Stops the child. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Creates a restartable stream. A child that ends while the stream is open is a failure for
 * every device until a restart; so is one that stops printing rows.
 *
 * @param runtime Where time is read and the first-rows wait sleeps.
 * @param options The child, its rows and the sensor's hooks.
 * @returns The stream; call `start()`.
 */
export function createChildStream(
  runtime: Pick<Runtime, "monotonicMs" | "sleep">,
  options: ChildStreamOptions,
): ChildStream {
  const { sensor, label } = options;
  let child: Deno.ChildProcess | undefined;
  let done: Promise<void> | undefined;
  let closing = false;
  let failure: SensorError | undefined;
  let lastRowAtMs = 0;
  /** Set while a start waits for the first rows. */
  let firstRowsIn: (() => void) | undefined;

  const row = () => {
    lastRowAtMs = runtime.monotonicMs();
    if (firstRowsIn && options.ready()) firstRowsIn();
  };

  /** Runs one child until it ends; one that ends while open is the stream's failure. */
  async function runChild() {
    let process: Deno.ChildProcess;
    try {
      process = child = options.spawn();
    } catch (error) {
      failure = new SensorError(sensor, `${label} could not be started`, { cause: error });
      return;
    }
    const rows = options.rows();
    // A broken pipe is not reported itself: the exit status below says why.
    const { code, stderr } = await readChildLines(process, (line, n) => {
      if (rows(line, n)) row();
    });
    if (closing || process !== child) return;
    const said = options.said ? options.said(stderr) : stderr.trim().split("\n")[0];
    failure = new SensorError(
      sensor,
      `${label} ended with exit code ${code}${said ? `: ${said}` : ""}`,
    );
    options.onWarning?.(failure.message);
  }

  /**
   * Starts a child and waits until every device has printed a row (or the child has ended, or
   * the wait is over). Counting starts at that instant, when each device's reading is known:
   * counting from the spawn instead would backfill the wait with the first row's reading.
   */
  async function open() {
    lastRowAtMs = runtime.monotonicMs();
    options.beforeOpen();
    failure = undefined;
    const firstRows = new Promise<void>((resolve) => firstRowsIn = resolve);
    done = runChild();
    const timeout = new AbortController();
    await Promise.race([firstRows, done, runtime.sleep(options.firstRowsWaitMs, timeout.signal)]);
    timeout.abort();
    firstRowsIn = undefined;
    options.afterOpen(runtime.monotonicMs());
  }

  return {
    get closing() {
      return closing;
    },
    async start() {
      closing = false;
      await open();
    },
    async restart() {
      if (closing || done === undefined) throw new SensorError(sensor, "restart() before start()");
      const old = child;
      child = undefined;
      await stopChild(old, done);
      if (closing) return;
      await open();
      if (failure) throw failure;
      if (closing) await stopChild(child, done);
    },
    problem(nowMs) {
      if (failure) return failure;
      if (done && nowMs - lastRowAtMs > options.staleAfterMs) {
        const seconds = ((nowMs - lastRowAtMs) / 1000).toFixed(1);
        return new SensorError(sensor, `${label} has printed no row for ${seconds} s`);
      }
      return undefined;
    },
    async close() {
      closing = true;
      await stopChild(child, done);
      child = undefined;
      done = undefined;
    },
  };
}

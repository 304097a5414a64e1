/**
 * For sensors that own a long-running child process (`nvidia-smi -lms`, `powermetrics`,
 * PowerLog): reading its stdout line by line, and stopping it.
 *
 * @module
 */

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

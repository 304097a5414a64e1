/**
 * For sensors that own a long-running child process (`nvidia-smi -lms`, `powermetrics`,
 * PowerLog): reading its stdout line by line, and stopping it.
 *
 * @module
 */

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
  let pending = "";
  let lineNumber = 0;
  try {
    for await (const chunk of process.stdout.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        onLine(pending.slice(0, newline).replace(/\r$/, ""), ++lineNumber);
        pending = pending.slice(newline + 1);
      }
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

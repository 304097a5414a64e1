/**
 * A log writer that fails on demand, as a full disk fails it: the real `LogWriter` over a temp
 * folder, with chosen writes refused with ENOSPC (what Deno throws for "No space left on
 * device"). Pass it to `runJob` as `deps.openLog`.
 *
 * @module
 */
import { type LogDirChoice, LogWriteError, LogWriter } from "../../lib/log/write.ts";
import { join } from "node:path";

/** The error Deno throws when a write finds the device full. */
export function noSpaceError(): Error {
  return Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
}

/** Which writes fail. */
export interface FailingWrites {
  /** The n-th sample line (1-based) and every one after it fail. */
  samplesFrom?: number;
  /** summary.json fails. */
  summary?: boolean;
  /** impact.json fails from its n-th write on (1: the start's, 2: the end's). */
  infoFrom?: number;
}

/**
 * Opens a real log directory whose chosen writes fail with ENOSPC.
 *
 * @param choice Where, as `chooseLogDir` gives it.
 * @param fail Which writes fail.
 * @returns The writer.
 */
export async function failingLogWriter(
  choice: LogDirChoice,
  fail: FailingWrites,
): Promise<LogWriter> {
  const writer = await LogWriter.create(choice);
  const refuse = (file: string) =>
    Promise.reject(new LogWriteError(join(writer.dir, file), noSpaceError()));
  const append = writer.appendSample.bind(writer);
  const summary = writer.writeSummary.bind(writer);
  const info = writer.writeInfo.bind(writer);
  let samples = 0;
  let infos = 0;
  writer.appendSample = (sample) =>
    ++samples >= (fail.samplesFrom ?? Infinity) ? refuse("samples.jsonl") : append(sample);
  writer.writeSummary = (value) => fail.summary ? refuse("summary.json") : summary(value);
  writer.writeInfo = (value) =>
    ++infos >= (fail.infoFrom ?? Infinity) ? refuse("impact.json") : info(value);
  return writer;
}

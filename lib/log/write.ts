/**
 * Writes a log directory: `impact.json` at the start and atomically again at the end,
 * `samples.jsonl` appended one line per interval, `summary.json` at the end. Never
 * overwrites an existing run.
 *
 * The JSON files survive a node crash, not only a killed process: each is written to a
 * temporary file that is fsynced before it is renamed into place, and the directory is
 * fsynced after, so the rename itself is on disk (XFS and Lustre may otherwise keep the new
 * name and lose the data, or the reverse).
 *
 * A write the file system refuses (a full disk, a quota) loses nothing already written: a
 * JSON file keeps its last complete version and its temporary file is removed, and
 * `samples.jsonl` is cut back to its last whole line. The error names the file
 * ({@link LogWriteError}); the caller says what could not be written and goes on.
 *
 * `impact.json` is redacted here, for `impact run` and `track()` alike: every string it
 * records (command line, labels, working directory, environment, region) loses its URL
 * credentials, and whatever the writer's `redact` patterns match becomes `***` (lib/redact.ts).
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import { LOG_FILES, type RunInfo, type RunSummary, type SampleRecord } from "./schema.ts";
import { redactStrings } from "../redact.ts";

/** The log directory cannot be used (it holds another run, or cannot be created). */
export class LogDirError extends Error {
  /** @param message Names the directory. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LogDirError";
  }
}

/** A file of the log directory could not be written; what was written before is kept. */
export class LogWriteError extends Error {
  /**
   * @param path The file.
   * @param cause What the file system said.
   */
  constructor(readonly path: string, cause: unknown) {
    super(`cannot write ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = "LogWriteError";
  }
}

/** Where to put a run's log directory. */
export interface LogDirChoice {
  /** The directory to create. */
  path: string;
  /** True when the user named it (`--log-dir`): it must be new or empty, never suffixed. */
  explicit: boolean;
}

/**
 * Chooses the log directory: `--log-dir` as given; else a new `<UTC timestamp>-<command>`
 * folder under `$IMPACT_LOG_DIR`, else under `./impact-logs`.
 *
 * @param options The flag, the environment value, the working directory, the command name and the time.
 * @returns The directory and whether the user named it.
 */
export function chooseLogDir(options: {
  logDir?: string | undefined;
  envLogDir?: string | undefined;
  cwd: string;
  commandName: string;
  nowMs: number;
}): LogDirChoice {
  if (options.logDir) return { path: resolve(options.cwd, options.logDir), explicit: true };
  const parent = options.envLogDir
    ? resolve(options.cwd, options.envLogDir)
    : join(options.cwd, "impact-logs");
  const stamp = new Date(options.nowMs).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const name = basename(options.commandName).replace(/[^A-Za-z0-9._-]+/g, "_") || "run";
  return { path: join(parent, `${stamp}-${name}`), explicit: false };
}

/** Options of {@link LogWriter.create}. */
export interface LogWriterOptions {
  /** What impact.json must not record (`--redact`): every match becomes `***`. */
  redact?: readonly RegExp[] | undefined;
}

/** Appends samples and writes the JSON files of one log directory. */
export class LogWriter {
  #samples: Deno.FsFile | undefined;
  /** Bytes of whole lines in `samples.jsonl`: where a line the disk refused is cut back to. */
  #samplesBytes = 0;
  readonly #encoder = new TextEncoder();

  readonly #redact: readonly RegExp[];

  private constructor(readonly dir: string, redact: readonly RegExp[]) {
    this.#redact = redact;
  }

  /**
   * Creates the directory. An explicit directory may exist only when empty; a default one
   * that exists gets a `-2`, `-3`, ... suffix.
   *
   * @param choice From {@link chooseLogDir}.
   * @param options What impact.json must not record.
   * @returns A writer for the new directory.
   * @throws {LogDirError} When an explicit directory already holds files.
   */
  static async create(choice: LogDirChoice, options: LogWriterOptions = {}): Promise<LogWriter> {
    const redact = options.redact ?? [];
    const parent = resolve(choice.path, "..");
    await Deno.mkdir(parent, { recursive: true }).catch((error) => {
      // A recursive mkdir says "exists" when a part of the path is a file.
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      throw new Deno.errors.NotADirectory(`${error.message}: it is not a folder`);
    });
    if (choice.explicit) {
      try {
        await Deno.mkdir(choice.path);
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
        const stat = await Deno.stat(choice.path);
        if (!stat.isDirectory) {
          throw new LogDirError(`Log directory ${choice.path} exists and is not a directory`);
        }
        for await (const _ of Deno.readDir(choice.path)) {
          throw new LogDirError(
            `Log directory ${choice.path} already holds files; choose a new --log-dir`,
          );
        }
      }
      return await LogWriter.#open(choice.path, redact);
    }
    for (let n = 1;; n++) {
      const path = n === 1 ? choice.path : `${choice.path}-${n}`;
      try {
        // A plain mkdir fails when the folder exists, so two runs never share one.
        await Deno.mkdir(path);
        return await LogWriter.#open(path, redact);
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists) || n > 1000) throw error;
      }
    }
  }

  static async #open(dir: string, redact: readonly RegExp[]): Promise<LogWriter> {
    const writer = new LogWriter(dir, redact);
    writer.#samples = await Deno.open(join(dir, LOG_FILES.samples), {
      write: true,
      append: true,
      create: true,
    });
    return writer;
  }

  /**
   * impact.json as this writer records it: URL credentials and the `redact` matches blanked.
   *
   * @param info The run's description.
   * @returns A redacted copy.
   */
  recorded(info: RunInfo): RunInfo {
    return redactStrings(info, this.#redact);
  }

  /**
   * Writes `impact.json` atomically (a temporary file renamed over the old one), redacted.
   *
   * @param info The run's description.
   * @returns What was written ({@link LogWriter.recorded}).
   * @throws {LogWriteError} When it cannot be written; the previous version is kept.
   */
  async writeInfo(info: RunInfo): Promise<RunInfo> {
    const recorded = this.recorded(info);
    await this.#writeJsonAtomic(LOG_FILES.info, recorded);
    return recorded;
  }

  /**
   * Appends one line to `samples.jsonl`; the line reaches the file before this resolves.
   *
   * @param sample One interval's record.
   * @returns Resolves once written; rejects with {@link LogWriteError} when the file system
   *   refuses the line (the file then ends at the line before).
   */
  appendSample(sample: SampleRecord): Promise<void> {
    const file = this.#samples;
    if (!file) {
      return Promise.reject(new LogDirError(`Log directory ${this.dir} is closed`));
    }
    const bytes = this.#encoder.encode(JSON.stringify(sample) + "\n");
    // One write per line: a kill can truncate only the last line, never interleave two.
    // A synchronous write of one short line costs microseconds and no async op round trip;
    // even inside a process tracked with track() it holds nothing up noticeably.
    let written = 0;
    try {
      while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
    } catch (error) {
      // A half line is what a kill leaves, not a full disk: cut it off.
      if (written > 0) {
        try {
          file.truncateSync(this.#samplesBytes);
        } catch {
          // The reader still skips a truncated last line.
        }
      }
      return Promise.reject(new LogWriteError(join(this.dir, LOG_FILES.samples), error));
    }
    this.#samplesBytes += bytes.length;
    return Promise.resolve();
  }

  /**
   * Writes `summary.json` atomically.
   *
   * @param summary The run's totals.
   * @throws {LogWriteError} When it cannot be written (no file, no temporary file is left).
   */
  async writeSummary(summary: RunSummary): Promise<void> {
    await this.#writeJsonAtomic(LOG_FILES.summary, summary);
  }

  /** Closes `samples.jsonl`. Safe to call twice. */
  close(): void {
    this.#samples?.close();
    this.#samples = undefined;
  }

  async #writeJsonAtomic(name: string, value: unknown): Promise<void> {
    const target = join(this.dir, name);
    const tmp = `${target}.tmp-${Deno.pid}`;
    try {
      {
        using file = await Deno.open(tmp, { write: true, create: true, truncate: true });
        const bytes = this.#encoder.encode(JSON.stringify(value, null, 2) + "\n");
        for (let written = 0; written < bytes.length;) {
          written += await file.write(bytes.subarray(written));
        }
        await file.sync();
      }
      await Deno.rename(tmp, target);
      using dir = await Deno.open(this.dir, { read: true });
      await dir.sync();
    } catch (error) {
      // The last complete version stays; no temporary file is left beside it.
      await Deno.remove(tmp).catch(() => {});
      throw new LogWriteError(target, error);
    }
  }
}

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
 * @module
 */
import { basename, join, resolve } from "node:path";
import { LOG_FILES, type RunInfo, type RunSummary, type SampleRecord } from "./schema.ts";

/** The log directory cannot be used (it holds another run, or cannot be created). */
export class LogDirError extends Error {
  /** @param message Names the directory. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LogDirError";
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

/** Appends samples and writes the JSON files of one log directory. */
export class LogWriter {
  #samples: Deno.FsFile | undefined;
  readonly #encoder = new TextEncoder();

  private constructor(readonly dir: string) {}

  /**
   * Creates the directory. An explicit directory may exist only when empty; a default one
   * that exists gets a `-2`, `-3`, ... suffix.
   *
   * @param choice From {@link chooseLogDir}.
   * @returns A writer for the new directory.
   * @throws {LogDirError} When an explicit directory already holds files.
   */
  static async create(choice: LogDirChoice): Promise<LogWriter> {
    const parent = resolve(choice.path, "..");
    await Deno.mkdir(parent, { recursive: true });
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
      return await LogWriter.#open(choice.path);
    }
    for (let n = 1;; n++) {
      const path = n === 1 ? choice.path : `${choice.path}-${n}`;
      try {
        // A plain mkdir fails when the folder exists, so two runs never share one.
        await Deno.mkdir(path);
        return await LogWriter.#open(path);
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists) || n > 1000) throw error;
      }
    }
  }

  static async #open(dir: string): Promise<LogWriter> {
    const writer = new LogWriter(dir);
    writer.#samples = await Deno.open(join(dir, LOG_FILES.samples), {
      write: true,
      append: true,
      create: true,
    });
    return writer;
  }

  /**
   * Writes `impact.json` atomically (a temporary file renamed over the old one).
   *
   * @param info The run's description.
   */
  async writeInfo(info: RunInfo): Promise<void> {
    await this.#writeJsonAtomic(LOG_FILES.info, info);
  }

  /**
   * Appends one line to `samples.jsonl`; the line reaches the file before this resolves.
   *
   * @param sample One interval's record.
   */
  appendSample(sample: SampleRecord): Promise<void> {
    if (!this.#samples) {
      return Promise.reject(new LogDirError(`Log directory ${this.dir} is closed`));
    }
    const bytes = this.#encoder.encode(JSON.stringify(sample) + "\n");
    // One write per line: a kill can truncate only the last line, never interleave two.
    // A synchronous write of one short line costs microseconds and no async op round trip;
    // even inside a process tracked with track() it holds nothing up noticeably.
    let written = 0;
    while (written < bytes.length) written += this.#samples.writeSync(bytes.subarray(written));
    return Promise.resolve();
  }

  /**
   * Writes `summary.json` atomically.
   *
   * @param summary The run's totals.
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
  }
}

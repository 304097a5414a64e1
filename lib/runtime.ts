/**
 * The few effects the library needs (read a file, list a folder, spawn, clock, environment),
 * behind one small interface so tests pass fakes instead of patching globals.
 *
 * Sensors and the sampler take a `Runtime`; the CLI passes {@link denoRuntime}.
 *
 * @module
 */

/** How a child process's standard streams are connected. */
export type Stdio = "inherit" | "piped" | "null";

/** Options for {@link Runtime.spawn}. */
export interface SpawnOptions {
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  stdin?: Stdio;
  stdout?: Stdio;
  stderr?: Stdio;
  signal?: AbortSignal;
}

/** The outcome of {@link Runtime.output}: a command run to completion. */
export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** A file opened once and read again and again ({@link Runtime.openKernelFile}). */
export interface KernelFile {
  /** The content now; throws as a read would (an exited process's file: `No such process`). */
  readText(): string;
  /** Closes it. */
  close(): void;
}

/** What {@link Runtime.readFileFrom} read. */
export interface FileTail {
  /** The bytes from the offset to the end. */
  bytes: Uint8Array;
  /** The file's size when it was read. */
  sizeBytes: number;
}

/** The effects library code may use. Every method may throw `Deno.errors.*` like Deno does. */
export interface Runtime {
  /** Reads a whole text file (sysfs and procfs files included). */
  readTextFile(path: string): Promise<string>;
  /**
   * Opens a file to read it again and again. Under /proc the file stays open: procfs makes its
   * content anew on each read from the start, so a re-read costs one read instead of an open,
   * a read and a close (an exited process's file then fails to read, never shows another's).
   * Elsewhere, and past a share of the open-file limit, each read opens the file anew (and a
   * missing file fails at the first read, not here).
   */
  openKernelFile?(path: string): KernelFile;
  /**
   * Reads a file from a byte offset to its end, for a file another process appends to: each
   * read costs what was added, not the whole file. `sizeBytes` is the file's size; below the
   * offset, the file was cut or replaced and `bytes` is empty.
   */
  readFileFrom(path: string, offsetBytes: number): Promise<FileTail>;
  /** Lists the entry names of a folder (links included, not followed). */
  readDir(path: string): Promise<string[]>;
  /** Spawns a long-lived child process. */
  spawn(command: string, options?: SpawnOptions): Deno.ChildProcess;
  /** Runs a command to completion and collects its output as text. */
  output(command: string, options?: Omit<SpawnOptions, "stdin" | "stdout" | "stderr">): Promise<
    CommandOutput
  >;
  /** Reads an environment variable. */
  env(name: string): string | undefined;
  /** Wall-clock time, milliseconds since the Unix epoch. */
  now(): number;
  /** Monotonic time in milliseconds, for durations. */
  monotonicMs(): number;
  /** Waits `ms` milliseconds; resolves early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const decoder = new TextDecoder();

let kernelRoots: string[] | undefined;

/**
 * Whether a path is on the kernel's in-memory file systems (procfs, sysfs, cgroupfs, or where
 * IMPACT_*_ROOT moves them). Reading those never waits on a disk, so the runtime reads them
 * synchronously: an async read's round trip through the I/O thread pool costs far more CPU
 * than the read itself, and the sampler does a dozen each interval.
 */
function isKernelPath(path: string): boolean {
  if (kernelRoots === undefined) {
    kernelRoots = ["/proc/", "/sys/"];
    for (const name of ["IMPACT_PROCFS_ROOT", "IMPACT_SYSFS_ROOT", "IMPACT_CGROUP_ROOT"]) {
      try {
        const root = Deno.env.get(name);
        if (root) kernelRoots.push(root.endsWith("/") ? root : `${root}/`);
      } catch {
        // No env permission: the default roots only.
      }
    }
  }
  return kernelRoots.some((root) => path.startsWith(root));
}

/** The real runtime, backed by `Deno.*`. */
export const denoRuntime: Runtime = {
  readTextFile(path) {
    if (!isKernelPath(path)) return Deno.readTextFile(path);
    try {
      return Promise.resolve(Deno.readTextFileSync(path));
    } catch (error) {
      return Promise.reject(error);
    }
  },
  readDir(path) {
    if (!isKernelPath(path)) return readDirAsync(path);
    try {
      return Promise.resolve([...Deno.readDirSync(path)].map((entry) => entry.name).sort());
    } catch (error) {
      return Promise.reject(error);
    }
  },
  openKernelFile(path) {
    const reopen = { readText: () => Deno.readTextFileSync(path), close() {} };
    if (!path.startsWith("/proc/") || keptFiles >= keptFileLimit()) return reopen;
    const file = Deno.openSync(path);
    keptFiles++;
    let open = true;
    return {
      readText() {
        file.seekSync(0, Deno.SeekMode.Start);
        // A read shorter than the buffer is the whole content (procfs hands it out in one go).
        const length = file.readSync(readBuffer) ?? 0;
        if (length < readBuffer.length) return decoder.decode(readBuffer.subarray(0, length));
        readBuffer = new Uint8Array(readBuffer.length * 2);
        return reopen.readText(); // longer than any file kept so far: read it whole
      },
      close() {
        if (!open) return;
        open = false;
        keptFiles--;
        file.close();
      },
    };
  },
  async readFileFrom(path, offsetBytes) {
    // try/finally, not `using`: Node must parse the bundle to reach its "runs on Deno" guard.
    const file = await Deno.open(path);
    try {
      const sizeBytes = (await file.stat()).size;
      if (sizeBytes <= offsetBytes) return { bytes: new Uint8Array(), sizeBytes };
      await file.seek(offsetBytes, Deno.SeekMode.Start);
      const bytes = new Uint8Array(sizeBytes - offsetBytes);
      let filled = 0;
      while (filled < bytes.length) {
        const read = await file.read(bytes.subarray(filled));
        if (read === null) break; // cut while being read: what is there
        filled += read;
      }
      return { bytes: bytes.subarray(0, filled), sizeBytes };
    } finally {
      file.close();
    }
  },
  spawn(command, options = {}) {
    return new Deno.Command(command, toCommandOptions(options)).spawn();
  },
  async output(command, options = {}) {
    const out = await new Deno.Command(command, {
      ...toCommandOptions(options),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  },
  env: (name) => Deno.env.get(name),
  now: () => Date.now(),
  monotonicMs: () => performance.now(),
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    });
  },
};

let readBuffer = new Uint8Array(4096);
let keptFiles = 0;
let keptLimit: number | undefined;

/** A quarter of the open-file limit (Deno raises the soft limit to the hard one), at most 4096. */
function keptFileLimit(): number {
  if (keptLimit === undefined) {
    let soft = 1024;
    try {
      const line = /^Max open files\s+(\d+|unlimited)/m.exec(
        Deno.readTextFileSync("/proc/self/limits"),
      );
      if (line) soft = line[1] === "unlimited" ? Infinity : Number(line[1]);
    } catch {
      // Not Linux, or no /proc: keep the conservative default.
    }
    keptLimit = Math.max(0, Math.min(4096, Math.floor(soft / 4) - 64));
  }
  return keptLimit;
}

async function readDirAsync(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

function toCommandOptions(options: SpawnOptions): Deno.CommandOptions {
  const result: Deno.CommandOptions = {};
  if (options.args) result.args = options.args;
  if (options.cwd) result.cwd = options.cwd;
  if (options.env) result.env = options.env;
  if (options.stdin) result.stdin = options.stdin;
  if (options.stdout) result.stdout = options.stdout;
  if (options.stderr) result.stderr = options.stderr;
  if (options.signal) result.signal = options.signal;
  return result;
}

/** Where the machine's interfaces live; each can be moved for containers and tests. */
export interface SystemPaths {
  /** Replaces `/sys` (`IMPACT_SYSFS_ROOT`): RAPL is read from `<sysfsRoot>/class/powercap`. */
  sysfsRoot: string;
  /** Replaces `/proc` (`IMPACT_PROCFS_ROOT`). */
  procfsRoot: string;
  /** The cgroup mount (`IMPACT_CGROUP_ROOT`), `/sys/fs/cgroup` by default. */
  cgroupRoot: string;
  /** The nvidia-smi executable (`IMPACT_NVIDIA_SMI`). */
  nvidiaSmi: string;
  /** The NVML library to load (`IMPACT_NVML_LIB`). */
  nvmlLibrary: string;
  /** The amd-smi executable (`IMPACT_AMD_SMI`); `amd-smi` on PATH when absent. */
  amdSmi?: string;
}

/**
 * Resolves the interface paths from the environment, falling back to the standard places.
 *
 * @param runtime Where environment variables are read.
 * @returns The paths sensors read.
 */
export function systemPaths(runtime: Runtime): SystemPaths {
  const get = (name: string) => {
    const value = runtime.env(name);
    return value === undefined || value === "" ? undefined : value;
  };
  const sysfsRoot = get("IMPACT_SYSFS_ROOT") ?? "/sys";
  return {
    sysfsRoot,
    procfsRoot: get("IMPACT_PROCFS_ROOT") ?? "/proc",
    cgroupRoot: get("IMPACT_CGROUP_ROOT") ?? "/sys/fs/cgroup",
    nvidiaSmi: get("IMPACT_NVIDIA_SMI") ?? "nvidia-smi",
    nvmlLibrary: get("IMPACT_NVML_LIB") ?? "libnvidia-ml.so.1",
    amdSmi: get("IMPACT_AMD_SMI") ?? "amd-smi",
  };
}

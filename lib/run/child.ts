/**
 * The child process of `impact run`: found on PATH (127 when missing, 126 when not
 * executable, as a shell reports them), spawned with inherited stdio, sent the signals
 * `impact` receives, and its end turned into an exit code (128 + N for signal N).
 *
 * @module
 */
import { delimiter, join } from "node:path";
import { ExitCode } from "./errors.ts";
import type { Runtime } from "../runtime.ts";

/** The child could not be started; `exitCode` is 126, 127 or 125. */
export class ChildStartError extends Error {
  /**
   * @param message Names the command.
   * @param exitCode 126 (not executable), 127 (not found) or 125 (other).
   */
  constructor(message: string, readonly exitCode: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "ChildStartError";
  }
}

/** Signals forwarded to the child. */
const FORWARDED_SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

const LINUX_SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};
const DARWIN_SIGNALS: Record<string, number> = {
  ...LINUX_SIGNALS,
  SIGBUS: 10,
  SIGUSR1: 30,
  SIGSEGV: 11,
  SIGUSR2: 31,
  SIGSYS: 12,
  SIGCHLD: 20,
  SIGCONT: 19,
  SIGSTOP: 17,
  SIGTSTP: 18,
  SIGURG: 16,
  SIGIO: 23,
  SIGEMT: 7,
  SIGINFO: 29,
};

/**
 * The number of a signal on this OS.
 *
 * @param name E.g. `SIGTERM`.
 * @param os The operating system (`Deno.build.os`).
 * @returns Its number, or undefined when unknown.
 */
function signalNumber(name: string, os: string = Deno.build.os): number | undefined {
  return (os === "darwin" ? DARWIN_SIGNALS : LINUX_SIGNALS)[name];
}

/**
 * The exit code that reports a child's end, as a shell does.
 *
 * @param status The child's status.
 * @returns Its code, or 128 + N when signal N ended it.
 */
export function exitCodeOf(status: { code: number; signal: string | null }): number {
  if (status.signal) return 128 + (signalNumber(status.signal) ?? 0);
  return status.code;
}

/**
 * Finds the executable a command names, as `execvp` would.
 *
 * @param command The command (a path, or a name looked up on PATH).
 * @param pathEnv The PATH value.
 * @returns The path found.
 * @throws {ChildStartError} 127 when missing, 126 when not executable.
 */
export async function resolveCommand(
  command: string,
  pathEnv: string | undefined,
): Promise<string> {
  const candidates = command.includes("/")
    ? [command]
    : (pathEnv ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter).map((d) =>
      join(d || ".", command)
    );
  let notExecutable: string | undefined;
  for (const candidate of candidates) {
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(candidate);
    } catch {
      continue;
    }
    if (stat.isFile && (Deno.build.os === "windows" || ((stat.mode ?? 0o111) & 0o111) !== 0)) {
      return candidate;
    }
    notExecutable ??= candidate;
  }
  if (notExecutable !== undefined) {
    throw new ChildStartError(
      `Cannot execute "${command}": ${notExecutable} is not an executable file`,
      ExitCode.notExecutable,
    );
  }
  throw new ChildStartError(`Command not found: "${command}"`, ExitCode.notFound);
}

/** A started child with its signals forwarded. */
export interface Child extends AsyncDisposable {
  pid: number;
  /** Resolves with the child's status; signal forwarding ends then. */
  status: Promise<Deno.CommandStatus>;
  /** Signals the child received from `impact`, in order. */
  forwarded: Deno.Signal[];
}

/**
 * Spawns the child with inherited stdio and forwards SIGINT, SIGTERM and SIGHUP to it.
 * Check the command first with {@link resolveCommand} (before starting the sensors).
 *
 * @param runtime Spawns the process.
 * @param command The command and its arguments.
 * @param cwd The working directory.
 * @returns The child.
 * @throws {ChildStartError} When it cannot start (126, 127 or 125).
 */
export function spawnChild(runtime: Runtime, command: string[], cwd: string): Child {
  const [name, ...args] = command;
  if (name === undefined) throw new ChildStartError("No command given", ExitCode.cannotRun);
  // Listen before spawning: a signal that arrives while the child starts is held and
  // delivered once it exists, instead of killing impact with no summary written.
  const holder: { child?: Deno.ChildProcess } = {};
  const forwarded: Deno.Signal[] = [];
  const pending: Deno.Signal[] = [];
  const deliver = (signal: Deno.Signal) => {
    try {
      holder.child?.kill(signal);
    } catch {
      // The child has just exited; nothing to forward to.
    }
  };
  const listeners: [Deno.Signal, () => void][] = [];
  if (Deno.build.os !== "windows") {
    for (const signal of FORWARDED_SIGNALS) {
      const listener = () => {
        forwarded.push(signal);
        if (holder.child) deliver(signal);
        else pending.push(signal);
      };
      Deno.addSignalListener(signal, listener);
      listeners.push([signal, listener]);
    }
  }
  const removeListeners = () => {
    for (const [signal, listener] of listeners.splice(0)) {
      Deno.removeSignalListener(signal, listener);
    }
  };
  let started: Deno.ChildProcess;
  try {
    started = runtime.spawn(name, {
      args,
      cwd,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    });
  } catch (error) {
    removeListeners();
    if (error instanceof Deno.errors.NotFound) {
      throw new ChildStartError(`Command not found: "${name}"`, ExitCode.notFound, {
        cause: error,
      });
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new ChildStartError(
        `Cannot execute "${name}": permission denied`,
        ExitCode.notExecutable,
        {
          cause: error,
        },
      );
    }
    throw new ChildStartError(
      `Cannot start "${name}": ${(error as Error).message}`,
      ExitCode.cannotRun,
      {
        cause: error,
      },
    );
  }
  holder.child = started;
  for (const signal of pending.splice(0)) deliver(signal);
  const status = started.status.finally(removeListeners);
  return {
    pid: started.pid,
    status,
    forwarded,
    async [Symbol.asyncDispose]() {
      removeListeners();
      await status;
    },
  };
}

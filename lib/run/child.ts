/**
 * The child process of `impact run`: found on PATH (127 when missing, 126 when not
 * executable, as a shell reports them), spawned with inherited stdio, sent the signals
 * `impact` receives, and its end turned into an exit code (128 + N for signal N).
 *
 * One Ctrl-C reaches the child once. The child stays in impact's process group (so it keeps the
 * terminal: a prompt or a debugger works, Ctrl-Z stops both). A terminal sends Ctrl-C's SIGINT,
 * and a hang-up's SIGHUP, to its whole foreground process group, so when the child is in that
 * group it has the signal already and impact does not send a second one (a second Ctrl-C makes
 * many programs skip their cleanup); a shell script does the same with its children. Otherwise
 * (a batch job with no terminal, impact in the background, a SIGINT sent to impact's pid alone)
 * impact forwards it. SIGTERM, what batch systems and `kill` send to impact, is always forwarded.
 * Running the child in a group of its own and forwarding everything would take the terminal
 * from it, which Deno cannot hand back (no setpgid/tcsetpgrp before exec).
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
/** Signals a terminal sends to its whole foreground process group (Ctrl-C, a hang-up). */
const TERMINAL_SIGNALS: ReadonlySet<Deno.Signal> = new Set(["SIGINT", "SIGHUP"]);

/**
 * Whether a process is in its terminal's foreground process group, from its `/proc/<pid>/stat`
 * line (`pgrp` is the 5th field, `tpgid`, the terminal's foreground group, the 8th; -1 without
 * a terminal).
 *
 * @param stat The line.
 * @returns True when the terminal's Ctrl-C reaches the process.
 * @example A shell's job in the foreground, and a batch job with no terminal
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { inForegroundGroup } from "./child.ts";
 *
 * equal(inForegroundGroup("4013 (python3) S 4008 4008 16064 34816 4008 4194304 98"), true);
 * equal(inForegroundGroup("4013 (my job) S 4008 4008 16064 0 -1 4194304 98"), false);
 * ```
 */
export function inForegroundGroup(stat: string): boolean {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const pgrp = Number(fields[2]);
  const tpgid = Number(fields[5]);
  return tpgid > 0 && tpgid === pgrp;
}

/**
 * Whether a signal of the terminal has reached the child by itself: it is in the terminal's
 * foreground process group. Read when the signal comes (the group can change: `bg`, `fg`).
 */
function terminalReaches(pid: number): boolean {
  try {
    if (Deno.build.os === "linux") {
      return inForegroundGroup(Deno.readTextFileSync(`/proc/${pid}/stat`));
    }
    // macOS and the BSDs: ps knows both numbers.
    const out = new Deno.Command("ps", { args: ["-o", "pgid=", "-o", "tpgid=", "-p", String(pid)] })
      .outputSync();
    const [pgrp, tpgid] = new TextDecoder().decode(out.stdout).trim().split(/\s+/).map(Number);
    return out.success && tpgid! > 0 && tpgid === pgrp;
  } catch {
    // Gone already (the signal ended it), or unknown: forwarding cannot double it then.
    return false;
  }
}

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
 * Spawns the child with inherited stdio and forwards SIGTERM to it, and SIGINT and SIGHUP unless
 * the terminal sent them to the child already (it is in the terminal's foreground group).
 * Check the command first with {@link resolveCommand} (before starting the sensors).
 *
 * @param runtime Spawns the process.
 * @param command The command and its arguments.
 * @param cwd The working directory.
 * @param env Variables added to the inherited environment.
 * @returns The child.
 * @throws {ChildStartError} When it cannot start (126, 127 or 125).
 */
export function spawnChild(
  runtime: Runtime,
  command: string[],
  cwd: string,
  env?: Record<string, string>,
): Child {
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
        // Before the child exists nothing reached it: held, then delivered.
        if (!holder.child) return void pending.push(signal);
        // The terminal sent it to the child's group already: a second copy would be two Ctrl-Cs.
        if (TERMINAL_SIGNALS.has(signal) && terminalReaches(holder.child.pid)) return;
        forwarded.push(signal);
        deliver(signal);
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
      ...(env ? { env } : {}),
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
  for (const signal of pending.splice(0)) {
    forwarded.push(signal);
    deliver(signal);
  }
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

/**
 * The job's software environment, where it is cheap to get: the git commit and dirty flag
 * of the working directory, and `pip freeze` / `conda list` when the command is Python
 * (experiment-impact-tracker recorded package versions the same way).
 *
 * @module
 */
import { basename } from "node:path";
import type { RunInfo } from "./log/schema.ts";
import type { Runtime } from "./runtime.ts";

/** `impact.json`'s `environment` field. */
export type Environment = NonNullable<RunInfo["environment"]>;

const PYTHON = /^python(\d+(\.\d+)*)?(\.exe)?$/;
/** Launchers that run Python programs (their packages are the active interpreter's). */
const PYTHON_LAUNCHERS = new Set(["torchrun", "accelerate", "deepspeed", "pytest", "jupyter"]);

/**
 * Whether a command runs Python, and which interpreter's packages to list.
 *
 * @param command The command and its arguments.
 * @returns The interpreter to ask, or undefined when the command is not Python.
 */
export function pythonInterpreter(command: string[]): string | undefined {
  const first = command[0];
  if (first === undefined) return undefined;
  const name = basename(first);
  if (PYTHON.test(name)) return first;
  if (PYTHON_LAUNCHERS.has(name)) return "python3";
  return undefined;
}

/**
 * Gathers the environment; each part is optional and failures leave it out.
 *
 * @param runtime Runs git, pip and conda.
 * @param options The working directory, the command, and a deadline in ms.
 * @returns The environment record.
 */
export async function captureEnvironment(
  runtime: Runtime,
  options: { cwd: string; command: string[]; timeoutMs?: number },
): Promise<Environment> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? 20_000);
  const run = async (cmd: string, args: string[]) => {
    try {
      const out = await runtime.output(cmd, { args, cwd: options.cwd, signal });
      return out.code === 0 ? out.stdout : undefined;
    } catch {
      return undefined;
    }
  };
  const python = pythonInterpreter(options.command);
  const conda = runtime.env("CONDA_PREFIX");
  const [commit, status, packages] = await Promise.all([
    run("git", ["rev-parse", "HEAD"]),
    run("git", ["status", "--porcelain", "--untracked-files=no"]),
    python === undefined
      ? Promise.resolve(undefined)
      : conda
      ? run("conda", ["list", "--export", "--prefix", conda])
      : run(python, ["-m", "pip", "freeze", "--disable-pip-version-check"]),
  ]);
  const environment: Environment = {};
  if (commit !== undefined && /^[0-9a-f]{7,64}$/.test(commit.trim())) {
    environment.git = { commit: commit.trim(), dirty: (status ?? "").trim() !== "" };
  }
  if (packages !== undefined) {
    environment.python = {
      tool: conda ? "conda list" : "pip freeze",
      packages: packages.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")),
    };
  }
  return environment;
}

import { deepEqual, equal } from "node:assert/strict";
import { captureEnvironment, pythonInterpreter } from "../../lib/environment.ts";
import { denoRuntime, type Runtime } from "../../lib/runtime.ts";

Deno.test("Python commands are recognised, launchers use python3, others are not", () => {
  equal(pythonInterpreter(["/opt/venv/bin/python3.11", "train.py"]), "/opt/venv/bin/python3.11");
  equal(pythonInterpreter(["python", "-m", "x"]), "python");
  equal(pythonInterpreter(["torchrun", "--nproc_per_node=8", "train.py"]), "python3");
  equal(pythonInterpreter(["./train.sh"]), undefined);
  equal(pythonInterpreter([]), undefined);
});

function fakeRuntime(answers: Record<string, string>, env: Record<string, string> = {}) {
  const calls: string[] = [];
  const runtime: Runtime = {
    ...denoRuntime,
    env: (name) => env[name],
    output(command, options) {
      const line = [command, ...(options?.args ?? [])].join(" ");
      calls.push(line);
      const key = Object.keys(answers).find((k) => line.startsWith(k));
      return Promise.resolve(
        key === undefined
          ? { code: 1, stdout: "", stderr: "no" }
          : { code: 0, stdout: answers[key]!, stderr: "" },
      );
    },
  };
  return { runtime, calls };
}

Deno.test("environment records the git commit, the dirty flag and pip freeze for Python", async () => {
  const { runtime, calls } = fakeRuntime({
    "git rev-parse HEAD": "0123456789abcdef0123456789abcdef01234567\n",
    "git status": " M train.py\n",
    "python3 -m pip freeze": "numpy==2.1.0\ntorch==2.5.1\n",
  });
  const env = await captureEnvironment(runtime, { cwd: "/w", command: ["python3", "train.py"] });
  deepEqual(env.git, { commit: "0123456789abcdef0123456789abcdef01234567", dirty: true });
  deepEqual(env.python, { tool: "pip freeze", packages: ["numpy==2.1.0", "torch==2.5.1"] });
  equal(calls.length, 3);
});

Deno.test("conda list is used inside a conda environment; no git repo leaves git out", async () => {
  const { runtime } = fakeRuntime(
    { "conda list --export": "# comment\nnumpy=2.1.0=py311\n" },
    { CONDA_PREFIX: "/opt/conda/envs/x" },
  );
  const env = await captureEnvironment(runtime, { cwd: "/w", command: ["python", "x.py"] });
  equal(env.git, undefined);
  deepEqual(env.python, { tool: "conda list", packages: ["numpy=2.1.0=py311"] });
});

Deno.test("a non-Python command runs no package tool", async () => {
  const { runtime, calls } = fakeRuntime({});
  await captureEnvironment(runtime, { cwd: "/w", command: ["./run.sh"] });
  deepEqual(calls.map((c) => c.split(" ")[0]), ["git", "git"]);
});

import { deepEqual } from "node:assert/strict";
import { join } from "node:path";
import { denoRuntime } from "../../lib/runtime.ts";
import { findMarkedProcesses, RUN_MARKER_VARIABLE } from "../../lib/sensors/escaped.ts";
import { tempDir } from "../helpers/temp_dir.ts";

/** Writes one process of a fake /proc: its environ, stat (with `state`) and cmdline. */
async function process(
  root: string,
  pid: number,
  { env, state = "S", cmdline }: { env: string[]; state?: string; cmdline: string[] },
) {
  const dir = join(root, String(pid));
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "environ"), env.map((e) => `${e}\0`).join(""));
  await Deno.writeTextFile(
    join(dir, "stat"),
    `${pid} (${cmdline[0]}) ${state} 1 ${pid} ${pid} 0 -1`,
  );
  await Deno.writeTextFile(join(dir, "cmdline"), cmdline.map((c) => `${c}\0`).join(""));
}

Deno.test("processes carrying the run's marker are found; zombies and other runs' are not", async () => {
  await using dir = await tempDir();
  const mark = (value: string) => `${RUN_MARKER_VARIABLE}=${value}`;
  await process(dir.path, 120, {
    env: ["HOME=/root", mark("run-a")],
    cmdline: ["redis-server", "*:6379"],
  });
  await process(dir.path, 121, { env: [mark("run-a")], state: "Z", cmdline: [] });
  await process(dir.path, 122, { env: [mark("run-b")], cmdline: ["sleep", "30"] });
  await process(dir.path, 123, { env: [`${mark("run-a")}x`], cmdline: ["sleep", "31"] });
  await process(dir.path, 124, { env: ["PATH=/bin"], cmdline: ["bash"] });
  await Deno.mkdir(join(dir.path, "self"));
  const found = await findMarkedProcesses(denoRuntime, dir.path, "run-a");
  deepEqual(found, { count: 1, processes: [{ pid: 120, command: "redis-server *:6379" }] });
});

import { equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { findLogDirs } from "../../lib/log/find.ts";
import { LogFormatError } from "../../lib/log/validate.ts";

async function logDir(path: string): Promise<void> {
  await Deno.mkdir(path, { recursive: true });
  await Deno.writeTextFile(join(path, "impact.json"), "{}");
}

Deno.test("findLogDirs finds log directories at any depth, sorted, without searching inside one", async () => {
  const root = await Deno.makeTempDir();
  try {
    for (let i = 0; i < 40; i++) await logDir(join(root, `g${i % 4}`, `run-${i}`));
    await logDir(join(root, "g0", "run-0", "nested")); // inside a log directory: not searched
    await logDir(join(root, ".hidden", "run")); // dot folders are skipped
    await logDir(join(root, "node_modules", "run"));
    await Deno.writeTextFile(join(root, "impact.json.txt"), "");
    const found = await findLogDirs([root]);
    equal(found.length, 40);
    equal(found.join("\n"), [...found].sort().join("\n"));
    equal(found.includes(join(root, "g0", "run-0", "nested")), false);
    equal((await findLogDirs([join(root, "g1", "run-1")])).join(), join(root, "g1", "run-1"));
    equal((await findLogDirs([root, join(root, "g2")])).length, 40);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("findLogDirs rejects a path that does not exist", async () => {
  await rejects(findLogDirs(["/nonexistent/impact-logs"]), (e: Error) => {
    ok(e instanceof LogFormatError);
    equal(e.message, "Cannot read /nonexistent/impact-logs: it does not exist; check the path");
    return true;
  });
});

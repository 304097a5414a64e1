import { equal, notEqual } from "node:assert/strict";
import { createRunHooks, runExtensions } from "../../lib/run/extensions.ts";
import { parseRunArgv } from "../../lib/run/options.ts";

Deno.test("impact run takes the region and the cluster flags without any registration", () => {
  const options = parseRunArgv(["--zone", "DE", "--metrics", "9464", "--", "true"]);
  equal(options.flags.zone, "DE");
  equal(options.flags.metrics, "9464");
});

Deno.test("each run gets its own hooks from every extension", () => {
  const first = createRunHooks();
  const second = createRunHooks();
  equal(first.length, runExtensions.length);
  for (const [i, hooks] of first.entries()) notEqual(hooks, second[i]);
});

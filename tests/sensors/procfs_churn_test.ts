import { ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { ChurnReport } from "../helpers/churn.ts";

const program = fileURLToPath(new URL("../helpers/churn.ts", import.meta.url));

Deno.test({
  name: "a churning tree: memory within 2x of its PSS, CPU within 2% of the kernel's count",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // 300 sleeping children and hundreds of short-lived ones a second, tracked for 3 s by a
    // program of its own, whose reaped-children time is the kernel's count for the tree.
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", program, "300", "3"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    ok(out.success, new TextDecoder().decode(out.stderr));
    const report: ChurnReport = JSON.parse(text);
    ok(report.forksPerSecond > 100, `only ${report.forksPerSecond.toFixed(0)} forks a second`);

    // Readings whose tree the direct read found alike (the tree changes between the two reads
    // only at its start and end, when the sleepers come and go).
    const steady = report.checks.filter((c) =>
      c.processes > 250 && Math.abs(c.trackerProcesses - c.processes) <= c.processes * 0.05
    );
    ok(steady.length >= 3, text);
    for (const check of steady) {
      const ratio = check.trackerBytes / check.pssBytes;
      ok(ratio >= 0.5 && ratio <= 2, `memory ${ratio.toFixed(2)}x the tree's PSS: ${text}`);
      ok(check.kind === "pss", check.kind);
      // The tree shares its pages: a sum of RSS would be far off.
      ok(check.rssBytes > 4 * check.pssBytes, `RSS only ${check.rssBytes / check.pssBytes}x PSS`);
    }

    const { trackerCpuSeconds, kernelCpuSeconds } = report;
    ok(kernelCpuSeconds > 0.3, `the tree used only ${kernelCpuSeconds} s of CPU`);
    ok(
      Math.abs(trackerCpuSeconds - kernelCpuSeconds) <= 0.02 * kernelCpuSeconds,
      `tracker ${trackerCpuSeconds} s, kernel ${kernelCpuSeconds} s`,
    );
  },
});

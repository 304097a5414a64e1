/**
 * The appendix over runs where devices went unmeasured: the run page lists each gap and shades
 * it on the power plot, lines break there instead of bridging it, set pages and the index count
 * the runs with gaps, and the run page shows the interval sampled at.
 */
import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../../../lib/cli/app.ts";
import { runPlots } from "../../../lib/report/appendix/run_plots.ts";
import { captureContext } from "../../helpers/context.ts";
import { gapRuns, makeRun, writeLogSet, writeRun } from "../../helpers/log_fixtures.ts";
import { tempDir } from "../../helpers/temp_dir.ts";

async function buildSite(root: string): Promise<(path: string) => Promise<string>> {
  const logs = join(root, "logs");
  await writeLogSet(logs, gapRuns());
  // A run that sampled at 0.5 s although 36 s was asked (a counter that could wrap sooner).
  const fast = makeRun({ cpuWatts: 50, samples: 4, intervalSeconds: 36, zone: "FR" });
  fast.info.options.usedIntervalSeconds = 0.5;
  await writeRun(join(logs, "fast"), fast);
  await Deno.writeTextFile(join(root, "spec.json"), JSON.stringify({ All: { filter: "." } }));
  const ctx = captureContext(undefined, root);
  const argv = ["appendix", "logs", "--site-spec", "spec.json", "--out", "site"];
  equal(await runCli(argv, ctx), 0, ctx.err());
  return (path) => Deno.readTextFile(join(root, "site", path));
}

/** The `d` of a device's line in the page's first (power) plot. */
function powerPath(html: string, device: string): string {
  const power = html.slice(html.indexOf("<figure"), html.indexOf("</figure>"));
  return power.match(new RegExp(`data-series="${device}" d="([^"]*)"`))?.[1] ?? "";
}

Deno.test("a run page lists each gap, warns at the top and shades the gap on the power plot", async () => {
  await using root = await tempDir();
  const page = await buildSite(root.path);
  const lost = await page("runs/lost.html");
  match(lost, /id="gap-warning"><strong>Not measured throughout\.<\/strong> A device was not/);
  match(
    lost,
    /<tr><td>gpu<\/td><td>gpu-1<\/td><td>2024-03-01T12:06:00\.000Z<\/td><td>2024-03-01T12:18:00\.000Z<\/td><td class="num" data-value="720">12m00s<\/td><td>GPU is lost<\/td><\/tr>/,
  );
  match(lost, /<rect class="gap" [^>]*><title>gpu-1 not measured: GPU is lost<\/title>/);
  // gpu-1's line stops where it was lost (x of 6 of 18 minutes); gpu-0's runs to the end.
  const band = Number(lost.match(/<rect class="gap" x="([\d.]+)"/)![1]);
  const xs = (d: string) => [...d.matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]));
  equal(Math.max(...xs(powerPath(lost, "gpu-1"))), band);
  ok(Math.max(...xs(powerPath(lost, "gpu-0"))) > band);

  const old = await page("runs/old.html");
  match(
    old,
    /<td>package-0<\/td><td>2024-03-01T12:03:00\.000Z<\/td><td>2024-03-01T12:06:00\.000Z<\/td><td class="num" data-value="180">3m00s<\/td><td>measurement stopped early: energy_uj read failed<\/td>/,
  );
  const whole = await page("runs/whole.html");
  ok(!/not-measured|gap-warning|class="gap"/.test(whole));
});

Deno.test("set pages and the index count the runs with gaps and mark them", async () => {
  await using root = await tempDir();
  const page = await buildSite(root.path);
  const set = await page("sets/all.html");
  match(set, /4 run\(s\) · <span class="gap-count" data-value="2">2 with a device not measured/);
  match(set, /runs\/lost\.html">lost<\/a> <span class="gap-marker"/);
  match(set, /runs\/old\.html">old<\/a> <span class="gap-marker"/);
  match(set, /runs\/whole\.html">whole<\/a><\/td>/);
  match(await page("index.html"), /id="gap-runs">2 of 4 runs had a device not measured/);
});

Deno.test("the run page shows the interval sampled at, and the one asked when they differ", async () => {
  await using root = await tempDir();
  const page = await buildSite(root.path);
  match(await page("runs/fast.html"), /Sampling interval<\/dt><dd>0\.5 s \(36 s asked;/);
  match(await page("runs/whole.html"), /Sampling interval<\/dt><dd>36 s<\/dd>/);
});

Deno.test("a device's line breaks at each gap: two stretches, never one line across", () => {
  const { samples, info, summary } = makeRun({
    gpuWatts: [300, 200],
    samples: 12,
    intervalSeconds: 10,
    gaps: [{ device: "gpu-1", fromSample: 4, samples: 3 }],
  });
  const html = runPlots(samples, Date.parse(info.start), summary.gaps ?? []).power!;
  equal(powerPath(html, "gpu-1").match(/M/g)?.length, 2);
  equal(powerPath(html, "gpu-0").match(/M/g)?.length, 1);
  equal(html.match(/<rect class="gap"/g)?.length, 1);
  // A point alone between gaps (or a gap and an end) is still drawn.
  const lone = makeRun({
    gpuWatts: [300],
    samples: 5,
    intervalSeconds: 10,
    gaps: [{ device: "gpu-0", fromSample: 1, samples: 1 }, {
      device: "gpu-0",
      fromSample: 3,
      samples: 1,
    }],
  });
  const plot = runPlots(lone.samples, Date.parse(lone.info.start)).power!;
  equal(plot.match(/<circle class="point/g)?.length, 3); // the 1st, 3rd and 5th intervals
});

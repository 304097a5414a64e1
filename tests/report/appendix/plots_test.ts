import { equal, match } from "node:assert/strict";
import { runPlots } from "../../../lib/report/appendix/run_plots.ts";
import { barPlotHtml } from "../../../lib/report/plots/bar_plot.ts";
import { makeSamples } from "../../fixtures/appendix_figures.ts";

const start = "2026-03-01T10:00:00.000Z";

Deno.test("a run's power plot draws one line per device, its spike included", () => {
  const plots = runPlots(makeSamples(start, 3600, 2, 1800), Date.parse(start));
  const power = plots.power!;
  equal(power.match(/<path class="series/g)?.length, 4); // cpu, dram, gpu-0, gpu-1
  match(power, /data-series="gpu-1"/);
  match(power, /Time since start \(minutes\)/);
  // The 600 W spike sets the top of the y axis (nice: 600).
  match(power, />600</);
  equal(plots.utilization!.match(/<path class="series/g)?.length, 4); // 2 GPUs, machine, job
  equal(plots.memory!.match(/<path class="series/g)?.length, 3); // 2 GPUs, job
});

Deno.test("no samples, no plots", () => {
  const plots = runPlots([], Date.parse(start));
  equal(plots.power, undefined);
});

Deno.test("a week of per-minute samples draws a light plot", () => {
  const week = makeSamples(start, 7 * 24 * 3600 / 60, 1).map((s, i) => ({
    ...s,
    t: new Date(Date.parse(start) + i * 60_000).toISOString(),
  }));
  const html = runPlots(week, Date.parse(start)).power!;
  equal(html.length < 200_000, true, `${html.length} characters`);
  match(html, /Time since start \(hours\)/);
});

Deno.test("bars: one per set, value labelled", () => {
  const html = barPlotHtml(
    "Energy",
    "kWh",
    [{ name: "a", value: 2 }, { name: "b", value: 1 }],
    String,
  );
  equal(html.match(/<rect class="bar"/g)?.length, 2);
  match(html, />2 kWh</);
});

Deno.test("sample times become seconds since the start, across midnight and odd formats", async () => {
  const { runSeries } = await import("../../../lib/report/appendix/run_plots.ts");
  const nearMidnight = "2026-03-01T23:59:58.500Z";
  const samples = makeSamples(nearMidnight, 4);
  samples[3]!.t = "2026-03-02T00:00:02.5+00:00";
  const { power } = runSeries(samples, Date.parse(nearMidnight));
  equal(Array.from(power[0]!.seconds).join(","), "1,2,3,4");
});

Deno.test("a one-sample run marks its single point", () => {
  const plots = runPlots(makeSamples(start, 1), Date.parse(start));
  equal(plots.power!.match(/<circle class="point c\d"/g)?.length, 3); // cpu, dram, gpu-0
});

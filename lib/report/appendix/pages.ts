/**
 * Turns the view model into page data and renders the index, set and run pages.
 *
 * @module
 */
import { JOULES_PER_KWH } from "../../accounting/energy.ts";
import type { SampleRecord } from "../../log/schema.ts";
import { barPlotHtml } from "../plots/bar_plot.ts";
import { scatterPlotHtml } from "../plots/scatter_plot.ts";
import { formatBytes, formatCommand, formatNumber, numberCell } from "./format.ts";
import { formatDuration } from "../plain_text.ts";
import { type Metric, type MetricOptions, resolveMetric } from "./metrics.ts";
import type { AppendixModel, RunEntry, SetView, SummaryRow } from "./model.ts";
import { runPlots } from "./run_plots.ts";
import { renderPage } from "./templates.ts";
import { redactStrings } from "../../redact.ts";

/** What every page shares. */
export interface PageContext {
  siteTitle: string;
  version: string;
  /** ISO date of the build. */
  generated: string;
  metricOptions: MetricOptions;
  /** Words on where the social cost per tonne came from. */
  socialCostSource?: string;
  warnings: string[];
}

function layoutData(ctx: PageContext, model: AppendixModel, root: string, current?: string) {
  return {
    siteTitle: ctx.siteTitle,
    version: ctx.version,
    generated: ctx.generated,
    root,
    nav: model.sets.map((s) => ({
      name: s.set.name,
      href: `sets/${s.slug}.html`,
      current: s.slug === current,
    })),
  };
}

/** A metric's axis title or column heading: its label, with the unit in brackets when it has one. */
function heading(metric: Metric): string {
  return metric.unit ? `${metric.label} (${metric.unit})` : metric.label;
}

function summaryRows(rows: SummaryRow[]) {
  return rows.map(({ metric, stats }) => ({
    key: metric.key,
    label: metric.label,
    unit: metric.unit,
    mean: numberCell(stats.mean),
    se: numberCell(stats.standardError),
    sum: numberCell(stats.sum),
    count: stats.count,
  }));
}

function setPlots(view: SetView, ctx: PageContext): string[] {
  return view.set.plots.map(({ x, y }) => {
    const mx = resolveMetric(x);
    const my = resolveMetric(y);
    const groups = view.children.length > 0
      ? view.children.map((c) => ({ name: c.name, runs: c.runs }))
      : [{ name: view.set.name, runs: view.runs }];
    return scatterPlotHtml(
      `${view.set.name}: ${my.label} against ${mx.label}`,
      heading(mx),
      heading(my),
      groups.map((g) => ({
        name: g.name,
        points: g.runs.flatMap((r) => {
          const px = mx.value(r.run, ctx.metricOptions);
          const py = my.value(r.run, ctx.metricOptions);
          return px === undefined || py === undefined ? [] : [{
            x: px,
            y: py,
            label: `${r.name}: ${formatNumber(px)}, ${formatNumber(py)}`,
          }];
        }),
      })),
    );
  });
}

/**
 * Renders every set's executive summary plots once, for the index and the set's own page.
 *
 * @param model The view model.
 * @param ctx Page context.
 * @returns Plot HTML per set slug.
 */
export function renderSetPlots(model: AppendixModel, ctx: PageContext): Map<string, string[]> {
  return new Map(model.sets.map((s) => [s.slug, setPlots(s, ctx)]));
}

/**
 * Renders the index page.
 *
 * @param model The view model.
 * @param ctx Page context.
 * @param plots Each set's plots.
 * @returns HTML.
 */
export function renderIndex(
  model: AppendixModel,
  ctx: PageContext,
  plots: Map<string, string[]>,
): string {
  const total = (f: (r: RunEntry) => number) => model.runs.reduce((sum, r) => sum + f(r), 0);
  const bars = model.sets.length > 0
    ? barPlotHtml(
      "Energy per experiment set (facility kWh, sum over runs)",
      "kWh",
      model.sets.map((s) => ({
        name: s.set.name,
        value: s.runs.reduce((a, r) => a + r.run.energyKwh, 0),
      })),
      formatNumber,
    )
    : "";
  return renderPage("index", {
    ...layoutData(ctx, model, ""),
    pageTitle: "Overview",
    totals: {
      runs: model.runs.length,
      energy: numberCell(total((r) => r.run.energyKwh)),
      carbon: numberCell(total((r) => r.run.kgCO2e)),
      hours: numberCell(total((r) => r.run.hours)),
      gapRuns: model.runs.filter((r) => r.run.gaps.length > 0).length,
    },
    warnings: [
      ...ctx.warnings,
      ...model.unknownMetrics.map((m) =>
        `No run has a value for "${m}": neither a known metric nor a label of any run`
      ),
    ],
    bars,
    sets: model.sets.map((s) => ({
      name: s.set.name,
      slug: s.slug,
      description: s.set.description,
      rows: summaryRows(s.summary),
      plots: plots.get(s.slug) ?? [],
    })),
    unmatched: model.unmatched.map((r) => ({ name: r.name, slug: r.slug })),
  });
}

/**
 * Renders a set's page.
 *
 * @param view The set.
 * @param model The view model (for navigation).
 * @param ctx Page context.
 * @param plots The set's plots.
 * @returns HTML.
 */
export function renderSetPage(
  view: SetView,
  model: AppendixModel,
  ctx: PageContext,
  plots: string[],
): string {
  const base = ["energy_kwh", "hours", "kg_co2e"].map(resolveMetric);
  const columns = [...view.metrics];
  for (const m of base) if (!columns.some((c) => c.key === m.key)) columns.push(m);
  return renderPage("set", {
    ...layoutData(ctx, model, "../", view.slug),
    pageTitle: view.set.name,
    name: view.set.name,
    description: view.set.description,
    filter: view.set.filter.source,
    runCount: view.runs.length,
    gapRuns: view.runs.filter((r) => r.run.gaps.length > 0).length,
    ordering: view.ordering?.label,
    rows: summaryRows(view.summary),
    children: view.children.map((c) => ({
      name: c.name,
      description: c.description,
      count: c.runs.length,
      filter: view.set.children.find((k) => k.name === c.name)?.filter.source ?? "",
    })),
    childRows: view.metrics.map((metric, i) => ({
      label: metric.label,
      unit: metric.unit,
      cells: view.children.map((c) => ({
        mean: numberCell(c.summary[i]?.stats.mean),
        se: numberCell(c.summary[i]?.stats.standardError),
      })),
    })),
    plots,
    table: {
      root: "../",
      columns: columns.map(heading),
      rows: view.runs.map((r) => ({
        slug: r.slug,
        name: r.name,
        gaps: r.run.gaps.length > 0,
        start: r.run.info.start,
        startText: r.run.info.start.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC"),
        cells: columns.map((c) => numberCell(c.value(r.run, ctx.metricOptions))),
      })),
    },
  });
}

/** The interval sampled at, and the one asked for when the run had to sample faster. */
function samplingInterval(options: RunEntry["run"]["info"]["options"]): string {
  const asked = options.intervalSeconds;
  const used = options.usedIntervalSeconds ?? asked;
  return used === asked
    ? `${used} s`
    : `${used} s (${asked} s asked; shorter, so that no energy counter wraps between reads)`;
}

/**
 * Renders a run's page.
 *
 * @param entry The run.
 * @param samples Its samples.jsonl records (for the plots).
 * @param model The view model (navigation, the sets it belongs to).
 * @param ctx Page context.
 * @param download Whether `<slug>.zip` sits beside the page.
 * @returns HTML.
 */
export function renderRunPage(
  entry: RunEntry,
  samples: readonly SampleRecord[],
  model: AppendixModel,
  ctx: PageContext,
  download = true,
): string {
  const { run } = entry;
  const { summary } = run;
  // A published page: logs written before URL credentials were redacted still show none.
  const info = redactStrings(run.info);
  const kwh = (joules: number) => numberCell(joules / JOULES_PER_KWH);
  const plots = runPlots(samples, Date.parse(info.start), run.gaps);
  const social = resolveMetric("social_cost_usd").value(run, ctx.metricOptions);
  const env = info.environment ?? {};
  const { git, python, ...rest } = env;
  const cpu = info.cpu;
  return renderPage("run", {
    ...layoutData(ctx, model, "../"),
    pageTitle: entry.name,
    name: entry.name,
    zip: download ? `${entry.slug}.zip` : undefined,
    sets: model.sets.filter((s) => s.runs.includes(entry)).map((s) => ({
      name: s.set.name,
      slug: s.slug,
    })),
    energy: numberCell(run.energyKwh),
    carbon: numberCell(run.kgCO2e),
    socialCost: social === undefined ? undefined : numberCell(social),
    socialCostSource: ctx.socialCostSource,
    duration: formatDuration(summary.durationSeconds),
    notes: run.notes,
    command: formatCommand(info.command),
    cwd: info.cwd,
    start: info.start,
    end: info.end ?? summary.end,
    exit: summary.signal
      ? `signal ${summary.signal}`
      : summary.exitCode === null
      ? "unknown"
      : `code ${summary.exitCode}`,
    attribution: summary.attribution,
    interval: samplingInterval(info.options),
    labels: Object.entries(info.labels).map(([key, value]) => ({ key, value })),
    components: summary.components.map((c) => ({
      component: c.component,
      device: c.device,
      method: c.method,
      machine: kwh(c.machineEnergyJoules),
      attributed: kwh(c.attributedEnergyJoules),
    })),
    gapDevices: new Set(run.gaps.map((g) => g.device)).size,
    gaps: run.gaps.map((g) => ({
      component: g.component,
      device: g.device,
      from: g.from,
      to: g.to,
      duration: formatDuration(g.seconds),
      seconds: g.seconds,
      reason: g.reason,
    })),
    measured: numberCell(run.measuredEnergyKwh),
    estimated: numberCell(run.estimatedEnergyKwh),
    meanPower: numberCell(summary.power.meanWatts),
    peakPower: numberCell(summary.power.peakWatts),
    cpuHours: numberCell(run.cpuHours),
    gpuHours: numberCell(run.gpuHours),
    carbonInfo: {
      zone: run.zone ?? "unknown",
      intensity: formatNumber(run.intensityGramsPerKwh),
      source: run.intensitySource,
      year: run.intensityYear ?? "—",
      regionSource: info.region?.source ?? "unknown",
      pue: formatNumber(run.pue),
    },
    plots: [plots.power, plots.utilization, plots.memory].filter((p) => p !== undefined),
    host: `${info.host.hostname} (${info.host.os} ${info.host.arch}${
      info.host.kernel ? `, kernel ${info.host.kernel}` : ""
    })`,
    cpu: [
      cpu.model ?? "unknown model",
      cpu.sockets ? `${cpu.sockets} socket(s)` : "",
      cpu.cores ? `${cpu.cores} cores` : "",
      cpu.threads ? `${cpu.threads} threads` : "",
      cpu.memoryTotalBytes ? `${formatBytes(cpu.memoryTotalBytes)} memory` : "",
    ].filter(Boolean).join(", "),
    gpus: info.gpus.map((g) => ({
      index: g.index,
      text: [
        g.name,
        g.powerLimitWatts ? `${g.powerLimitWatts} W limit` : "",
        g.driverVersion ? `driver ${g.driverVersion}` : "",
        g.usedByJob === undefined ? "" : g.usedByJob ? "used by the job" : "not used by the job",
      ].filter(Boolean).join(", "),
    })),
    sensors: info.sensors,
    git: git ? `${git.commit}${git.dirty ? " (uncommitted changes)" : ""}` : undefined,
    packages: python ? { tool: python.tool, list: python.packages } : undefined,
    environment: Object.keys(rest).length > 0 ? JSON.stringify(rest, null, 2) : undefined,
  });
}

/**
 * The appendix's view model: which runs belong to which set and child set, each run's page
 * name, and the executive summary rows. Pure: figures in, plain values out.
 *
 * @module
 */
import type { LogsFigures, RunFigures } from "../../accounting/types.ts";
import { type ExperimentSet, matchesFilter, type PathFilter, type SiteSpec } from "../site_spec.ts";
import { type Metric, type MetricOptions, resolveMetric } from "./metrics.ts";
import { type SummaryStats, summaryStats } from "./stats.ts";
import { slugify } from "./format.ts";

/** A run as the appendix lists it. */
export interface RunEntry {
  run: RunFigures;
  /** Page name without extension, unique: `runs/<slug>.html`. */
  slug: string;
  /** The log directory relative to the runs' common parent. */
  name: string;
}

/** One row of an executive summary: a metric's statistics over some runs. */
export interface SummaryRow {
  metric: Metric;
  stats: SummaryStats;
}

/** A child set's runs and summary. */
export interface ChildView {
  name: string;
  description: string;
  runs: RunEntry[];
  summary: SummaryRow[];
}

/** An experiment set's runs, summary and children. */
export interface SetView {
  set: ExperimentSet;
  /** Page name without extension: `sets/<slug>.html`. */
  slug: string;
  runs: RunEntry[];
  metrics: Metric[];
  summary: SummaryRow[];
  children: ChildView[];
  ordering?: Metric;
}

/** The whole site's model. */
export interface AppendixModel {
  runs: RunEntry[];
  sets: SetView[];
  /** Runs no set's filter matched. */
  unmatched: RunEntry[];
  /** Metric names the spec uses that no run has a value for (likely typos). */
  unknownMetrics: string[];
}

/**
 * Names shown for log directories: each path relative to their common parent folder.
 *
 * @param dirs Log directory paths.
 * @returns One name per path.
 */
export function displayNames(dirs: readonly string[]): string[] {
  const split = dirs.map((d) => d.replaceAll("\\", "/").replace(/\/+$/, "").split("/"));
  if (split.length === 0) return [];
  let common = Math.min(...split.map((p) => p.length - 1));
  for (let i = 0; i < common; i++) {
    if (!split.every((p) => p[i] === split[0]![i])) {
      common = i;
      break;
    }
  }
  return split.map((p) => p.slice(common).join("/") || p.join("/"));
}

function uniqueSlugs(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    const base = slugify(name);
    let slug = base;
    for (let n = 2; seen.has(slug); n++) slug = `${base}-${n}`;
    seen.add(slug);
    return slug;
  });
}

/**
 * Summarises metrics over runs.
 *
 * @param metrics The metrics.
 * @param runs The runs.
 * @param options Social cost per tonne and the like.
 * @returns One row per metric.
 */
export function summarise(
  metrics: readonly Metric[],
  runs: readonly RunEntry[],
  options: MetricOptions,
): SummaryRow[] {
  return metrics.map((metric) => ({
    metric,
    stats: summaryStats(runs.map((r) => metric.value(r.run, options))),
  }));
}

/** A filter matches a run's full path or its path relative to the runs' common folder. */
function inSet(filter: PathFilter, run: RunEntry): boolean {
  return matchesFilter(filter, run.run.dir) || matchesFilter(filter, run.name);
}

function ordered(runs: RunEntry[], ordering: Metric | undefined, options: MetricOptions) {
  if (!ordering) return runs;
  const key = (r: RunEntry) => ordering.value(r.run, options) ?? Infinity;
  return [...runs].sort((a, b) => key(a) - key(b));
}

/**
 * Builds the view model.
 *
 * @param spec The site specification.
 * @param figures What `readLogs` returned.
 * @param options Social cost per tonne and the like.
 * @returns Runs with page names, sets with their runs and summaries.
 */
export function buildModel(
  spec: SiteSpec,
  figures: LogsFigures,
  options: MetricOptions = {},
): AppendixModel {
  const names = displayNames(figures.runs.map((r) => r.dir));
  const slugs = uniqueSlugs(names);
  const runs = figures.runs.map((run, i) => ({ run, name: names[i]!, slug: slugs[i]! }));
  const setSlugs = uniqueSlugs(spec.sets.map((s) => s.name));
  const matched = new Set<RunEntry>();
  const used = new Set<string>();
  const sets = spec.sets.map((set, i): SetView => {
    const ordering = set.orderingVariable === undefined
      ? undefined
      : resolveMetric(set.orderingVariable);
    const metrics = set.summaryVariables.map(resolveMetric);
    const mine = ordered(
      runs.filter((r) => inSet(set.filter, r)),
      ordering,
      options,
    );
    for (const r of mine) matched.add(r);
    for (const name of [...set.summaryVariables, ...set.plots.flatMap((p) => [p.x, p.y])]) {
      used.add(name);
    }
    if (set.orderingVariable !== undefined) used.add(set.orderingVariable);
    const children = set.children.map((child): ChildView => {
      const childRuns = mine.filter((r) => inSet(child.filter, r));
      return {
        name: child.name,
        description: child.description,
        runs: childRuns,
        summary: summarise(metrics, childRuns, options),
      };
    });
    if (ordering) {
      const mean = (c: ChildView) =>
        summaryStats(c.runs.map((r) => ordering.value(r.run, options))).mean ?? Infinity;
      children.sort((a, b) => mean(a) - mean(b));
    }
    const view: SetView = {
      set,
      slug: setSlugs[i]!,
      runs: mine,
      metrics,
      summary: summarise(metrics, mine, options),
      children,
    };
    if (ordering) view.ordering = ordering;
    return view;
  });
  const unknownMetrics = [...used].filter((name) => {
    const metric = resolveMetric(name);
    return metric.key.startsWith("label:") &&
      runs.every((r) => metric.value(r.run, options) === undefined);
  });
  return { runs, sets, unmatched: runs.filter((r) => !matched.has(r)), unknownMetrics };
}

/**
 * The appendix's site specification: named experiment sets selected by a regular expression
 * on log directory paths, compatible with experiment-impact-tracker's site spec JSON.
 * data/site_spec.schema.json documents the format; {@link parseSiteSpec} validates against it.
 *
 * Filters are matched by RE2 (re2js), in time linear in the path whatever the pattern: a filter
 * with nested quantifiers such as `(a+)+` cannot hang the appendix, as it could under a
 * backtracking engine (2.3x slower per character of path). RE2 has no backreferences and no
 * lookaround; a filter that uses them is refused, naming the set and the reason.
 *
 * @module
 */
import { RE2JS } from "re2js";
import schema from "../../data/site_spec.schema.json" with { type: "json" };
import { childPath, createSchemaValidator } from "./appendix/json_schema.ts";

/** A set's filter: the pattern as written, and a search for it in a path (linear time). */
export interface PathFilter {
  /** The pattern as the spec wrote it. */
  readonly source: string;
  /**
   * Whether the pattern occurs anywhere in the text.
   *
   * @param text A log directory's path.
   * @returns True on a match.
   */
  test(text: string): boolean;
}

/** A named subset of an experiment set, compared side by side with its siblings. */
export interface ChildExperiment {
  name: string;
  filter: PathFilter;
  description: string;
}

/** One scatter plot of the executive summary. */
export interface SummaryPlot {
  x: string;
  y: string;
}

/** One named experiment set. */
export interface ExperimentSet {
  name: string;
  filter: PathFilter;
  description: string;
  /** Metric names as written in the spec (aliases not yet resolved). */
  summaryVariables: string[];
  children: ChildExperiment[];
  plots: SummaryPlot[];
  orderingVariable?: string;
}

/** A parsed site specification, sets in the order the file lists them. */
export interface SiteSpec {
  sets: ExperimentSet[];
}

/** Checks a parsed spec against data/site_spec.schema.json (made once, at first use). */
let validateSpec: ReturnType<typeof createSchemaValidator> | undefined;

/** The variables a set summarises when its spec names none. */
export const DEFAULT_SUMMARY_VARIABLES = ["energy_kwh", "hours", "kg_co2e"];

/** A site spec that cannot be used; the message names the file and the JSON path. */
export class SiteSpecError extends Error {
  /**
   * @param message What was wrong, naming file and JSON path.
   */
  constructor(message: string) {
    super(message);
    this.name = "SiteSpecError";
  }
}

/**
 * Parses and validates a site specification.
 *
 * @param text The JSON text.
 * @param file The file name, for error messages.
 * @returns The experiment sets.
 * @throws {SiteSpecError} On invalid JSON, a value the schema rejects or a filter RE2 cannot
 *   take (every error listed).
 */
export function parseSiteSpec(text: string, file = "site spec"): SiteSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new SiteSpecError(`${file} is not valid JSON: ${why}`);
  }
  validateSpec ??= createSchemaValidator(schema);
  const errors = validateSpec(value);
  if (errors.length > 0) {
    const lines = errors.map((e) => `${file}: ${e.path}: ${e.message}`);
    throw new SiteSpecError(lines.join("\n"));
  }
  const problems: string[] = [];
  const spec = toSiteSpec(value as Record<string, RawSet | string>, problems);
  if (problems.length > 0) {
    throw new SiteSpecError(problems.map((p) => `${file}: ${p}`).join("\n"));
  }
  return spec;
}

/**
 * Compiles a filter with RE2, or says why it is refused.
 *
 * @param pattern The filter as written.
 * @param path Its JSON path in the spec, for the message.
 * @param problems Receives the refusal.
 * @returns The filter (one that matches nothing when refused).
 */
function compileFilter(pattern: string, path: string, problems: string[]): PathFilter {
  try {
    const re = RE2JS.compile(pattern);
    return { source: pattern, test: (text) => re.test(text) };
  } catch (error) {
    const why = (error as Error).message.replace(/^error parsing regexp: /, "");
    problems.push(
      `${path}: filter ${JSON.stringify(pattern)} refused: ${why} (filters are RE2 regular ` +
        "expressions, matched in time linear in the path: no backreferences, no lookaround)",
    );
    return { source: pattern, test: () => false };
  }
}

interface RawChild {
  filter: string;
  description?: string;
}

interface RawSet extends RawChild {
  executive_summary_variables?: string[];
  child_experiments?: Record<string, RawChild>;
  executive_summary_plots?: { x: string; y: string }[];
  executive_summary_ordering_variable?: string;
}

function toSiteSpec(raw: Record<string, RawSet | string>, problems: string[]): SiteSpec {
  const sets: ExperimentSet[] = [];
  for (const [name, entry] of Object.entries(raw)) {
    if (name === "$schema" || typeof entry === "string") continue;
    const at = childPath("$", name);
    const set: ExperimentSet = {
      name,
      filter: compileFilter(entry.filter, `${at}.filter`, problems),
      description: entry.description ?? "",
      summaryVariables: entry.executive_summary_variables ?? DEFAULT_SUMMARY_VARIABLES,
      children: Object.entries(entry.child_experiments ?? {}).map(([childName, child]) => ({
        name: childName,
        filter: compileFilter(
          child.filter,
          `${childPath(childPath(at, "child_experiments"), childName)}.filter`,
          problems,
        ),
        description: child.description ?? "",
      })),
      plots: (entry.executive_summary_plots ?? []).map(({ x, y }) => ({ x, y })),
    };
    if (entry.executive_summary_ordering_variable !== undefined) {
      set.orderingVariable = entry.executive_summary_ordering_variable;
    }
    sets.push(set);
  }
  return { sets };
}

/**
 * Whether a log directory belongs to a set: the filter is searched anywhere in the path
 * (as experiment-impact-tracker's `re.search`), with `\` read as `/` so specs work on Windows.
 *
 * @param filter The set's or child's filter (from {@link parseSiteSpec}).
 * @param dir The log directory path.
 * @returns True when the path matches.
 */
export function matchesFilter(filter: PathFilter, dir: string): boolean {
  return filter.test(dir.replaceAll("\\", "/"));
}

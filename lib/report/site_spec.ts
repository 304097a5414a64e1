/**
 * The appendix's site specification: named experiment sets selected by a regular expression
 * on log directory paths, compatible with experiment-impact-tracker's site spec JSON.
 * data/site_spec.schema.json documents the format; {@link parseSiteSpec} validates against it.
 *
 * @module
 */
import schema from "../../data/site_spec.schema.json" with { type: "json" };
import { createSchemaValidator } from "./appendix/json_schema.ts";

/** A named subset of an experiment set, compared side by side with its siblings. */
export interface ChildExperiment {
  name: string;
  filter: RegExp;
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
  filter: RegExp;
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
 * @throws {SiteSpecError} On invalid JSON or a value the schema rejects (every error listed).
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
  return toSiteSpec(value as Record<string, RawSet | string>);
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

function toSiteSpec(raw: Record<string, RawSet | string>): SiteSpec {
  const sets: ExperimentSet[] = [];
  for (const [name, entry] of Object.entries(raw)) {
    if (name === "$schema" || typeof entry === "string") continue;
    const set: ExperimentSet = {
      name,
      filter: new RegExp(entry.filter),
      description: entry.description ?? "",
      summaryVariables: entry.executive_summary_variables ?? DEFAULT_SUMMARY_VARIABLES,
      children: Object.entries(entry.child_experiments ?? {}).map(([childName, child]) => ({
        name: childName,
        filter: new RegExp(child.filter),
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
 * @param filter The set's or child's regular expression.
 * @param dir The log directory path.
 * @returns True when the path matches.
 */
export function matchesFilter(filter: RegExp, dir: string): boolean {
  filter.lastIndex = 0;
  return filter.test(dir.replaceAll("\\", "/"));
}

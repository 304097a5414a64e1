/**
 * The appendix's Eta templates, embedded as text (so they travel inside the compiled
 * binary) and rendered with auto-escaping: every name, label and description is user input.
 *
 * @module
 */
import { Eta } from "eta";
import layout from "../templates/layout.eta" with { type: "text" };
import index from "../templates/index.eta" with { type: "text" };
import set from "../templates/set.eta" with { type: "text" };
import run from "../templates/run.eta" with { type: "text" };
import summaryTable from "../templates/summary_table.eta" with { type: "text" };
import runsTable from "../templates/runs_table.eta" with { type: "text" };
import style from "../templates/style.css" with { type: "text" };

/** The appendix's stylesheet, written to `assets/style.css`. */
export const STYLESHEET: string = style;

/** The page templates by name. */
export type TemplateName = "index" | "set" | "run";

let eta: Eta | undefined;

function engine(): Eta {
  if (eta) return eta;
  eta = new Eta({ autoEscape: true, autoTrim: [false, "nl"], cache: true });
  eta.loadTemplate("@layout", layout);
  eta.loadTemplate("@index", index);
  eta.loadTemplate("@set", set);
  eta.loadTemplate("@run", run);
  eta.loadTemplate("@summary_table", summaryTable);
  eta.loadTemplate("@runs_table", runsTable);
  return eta;
}

/**
 * Renders a page.
 *
 * @param name Which page template.
 * @param data The page's values (and the layout's: siteTitle, pageTitle, root, nav, ...).
 * @returns The HTML document.
 */
export function renderPage(name: TemplateName, data: object): string {
  return engine().render(`@${name}`, data);
}

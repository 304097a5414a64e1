import { deepEqual, equal, match, ok } from "node:assert/strict";
import { CITATION_KEYS, statementBibtex, toolEntry } from "../../lib/report/bibtex.ts";
import { VERSION } from "../../lib/version.ts";

/** One BibTeX entry's type, key and fields, read the way bibtex does (braced values). */
function parseEntries(text: string): { type: string; key: string; fields: Map<string, string> }[] {
  const entries = [];
  for (const match of text.matchAll(/@(\w+)\{([^,\s]+),/g)) {
    let depth = 1;
    let i = match.index! + match[0].length;
    const start = i;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === "{") depth++;
      if (text[i] === "}") depth--;
    }
    equal(depth, 0, `entry ${match[2]} has unbalanced braces`);
    const body = text.slice(start, i - 1);
    const fields = new Map<string, string>();
    for (const field of body.matchAll(/^\s*(\w+)\s*=\s*\{(.*)\},?\s*$/gm)) {
      ok(!fields.has(field[1]!), `entry ${match[2]}: ${field[1]} given twice`);
      fields.set(field[1]!, field[2]!);
    }
    entries.push({ type: match[1]!.toLowerCase(), key: match[2]!, fields });
  }
  return entries;
}

Deno.test("the tool's BibTeX entry has what a checker wants: author, title, year, version", () => {
  const [tool] = parseEntries(toolEntry(VERSION));
  ok(tool);
  equal(tool.key, CITATION_KEYS.tool);
  ok(["misc", "software"].includes(tool.type));
  // A corporate author is braced twice so BibTeX does not split it into first and last names.
  match(tool.fields.get("author") ?? "", /^\{.+\}$/);
  match(tool.fields.get("title") ?? "", /impact/);
  match(tool.fields.get("year") ?? "", /^(19|20)\d\d$/);
  match(tool.fields.get("note") ?? "", new RegExp(`Version ${VERSION.replaceAll(".", "\\.")}`));
  ok(tool.fields.has("howpublished"));
});

Deno.test("every entry of a statement has author, title and year and a key of its own", () => {
  const entries = parseEntries(statementBibtex(VERSION));
  deepEqual(entries.map((e) => e.key), Object.values(CITATION_KEYS));
  for (const entry of entries) {
    for (const field of ["author", "title", "year"]) {
      ok(entry.fields.get(field), `${entry.key} has no ${field}`);
    }
  }
});

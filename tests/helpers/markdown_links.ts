/**
 * Relative links in Markdown pages, and the anchors GitHub gives their headings: what the docs
 * test checks so that README.md and docs/ never point at a page or section that is not there.
 *
 * @module
 */
import { dirname, join, relative } from "node:path";

/** A link found in a page. */
export interface MarkdownLink {
  /** The target as written: `docs/cli.md#impact-run`, `#exit-codes`. */
  target: string;
  /** 1-based line. */
  line: number;
}

/** The page without fenced code blocks (their lines blanked, so line numbers stay). */
function withoutFences(markdown: string): string[] {
  let inFence = false;
  return markdown.split("\n").map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      return "";
    }
    return inFence ? "" : line;
  });
}

/**
 * The links of a page that point inside the repository (not `https:`, `mailto:` ...), outside
 * code blocks and code spans.
 *
 * @param markdown The page.
 * @returns Each link's target and line.
 */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  withoutFences(markdown).forEach((text, index) => {
    const line = text.replace(/`[^`]*`/g, "");
    for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ target, line: index + 1 });
    }
  });
  return links;
}

/**
 * The anchors GitHub makes of a page's headings: lower case, punctuation dropped, each space a
 * hyphen, repeats numbered `-1`, `-2`.
 *
 * @param markdown The page.
 * @returns The anchors, without `#`.
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/**
 * The links of pages that reach no file, or no heading of a Markdown file.
 *
 * @param root The repository's root.
 * @param pages Paths of the pages from the root.
 * @returns One line per broken link: `page:line: target (why)`.
 */
export async function brokenLinks(root: string, pages: string[]): Promise<string[]> {
  const broken: string[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = async (path: string) => {
    if (!anchorsOf.has(path)) anchorsOf.set(path, headingAnchors(await Deno.readTextFile(path)));
    return anchorsOf.get(path)!;
  };
  for (const page of pages) {
    const pagePath = join(root, page);
    for (const { target, line } of relativeLinks(await Deno.readTextFile(pagePath))) {
      const [file, anchor] = target.split("#", 2) as [string, string | undefined];
      const path = file === "" ? pagePath : join(dirname(pagePath), decodeURIComponent(file));
      const where = `${page}:${line}: ${target}`;
      const stat = await Deno.stat(path).catch(() => undefined);
      if (!stat) {
        broken.push(`${where} (no file ${relative(root, path)})`);
      } else if (anchor && path.endsWith(".md") && !(await anchors(path)).has(anchor)) {
        broken.push(`${where} (no heading with anchor #${anchor} in ${relative(root, path)})`);
      }
    }
  }
  return broken;
}

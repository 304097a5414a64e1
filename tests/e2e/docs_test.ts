/**
 * The documentation stays true to the program: the API reference renders, the generated pages
 * (docs/cli.md from the commands' help, docs/log-format.md from lib/log/schema.ts) are what
 * `deno task docs` writes, every relative link reaches its page and heading, and the README
 * stays a front page.
 *
 * @module
 */
import { deepEqual, equal, fail, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expectedPage, GENERATED_PAGES, REPO_ROOT } from "../../scripts/docs/generated.ts";
import { listedCommands } from "../../scripts/docs/cli_reference.ts";
import { brokenLinks, headingAnchors, relativeLinks } from "../helpers/markdown_links.ts";

const MOD = fileURLToPath(new URL("../../mod.ts", import.meta.url));

/** At most ~15 KB: reference material lives in docs/. */
const README_MAX_BYTES = 15 * 1024;

Deno.test("the API reference renders with deno doc --html and documents track()", async () => {
  const out = await Deno.makeTempDir();
  try {
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["doc", "--html", "--name=impact", `--output=${out}`, MOD],
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(result.code, 0, new TextDecoder().decode(result.stderr));
    const all = await Deno.readTextFile(join(out, "all_symbols.html"));
    match(all, /track/);
    match(all, /readLogDir/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

for (const page of GENERATED_PAGES) {
  Deno.test(`${page.path} is what \`deno task docs\` makes of ${page.source}`, async () => {
    const { current, expected } = await expectedPage(page);
    if (current === expected) return;
    const have = current.split("\n");
    const want = expected.split("\n");
    const lines = Math.max(have.length, want.length);
    const line = Array.from({ length: lines }, (_, i) => i).find((i) => have[i] !== want[i])!;
    fail(
      `${page.path} differs from ${page.source}: run \`deno task docs\`\n` +
        `first difference at line ${line + 1}:\n  page:      ${have[line]}\n` +
        `  generated: ${want[line]}`,
    );
  });
}

Deno.test("docs/cli.md holds every command's help, wrapped at 80 columns", async () => {
  const cli = await Deno.readTextFile(join(REPO_ROOT, "docs/cli.md"));
  const programHelp = cli.split("\n## impact\n")[1]?.split("\n## ")[0] ?? "";
  const commands = listedCommands(programHelp);
  deepEqual(commands, [
    "run",
    "doctor",
    "summary",
    "statement",
    "estimate",
    "appendix",
    "export",
    "region",
    "cloud",
  ]);
  for (const name of commands) match(cli, new RegExp(`^Usage: impact ${name} `, "m"));
  const inFences = cli.split("```text\n").slice(1).flatMap((b) => b.split("```")[0]!.split("\n"));
  const widest = Math.max(...inFences.map((l) => l.length));
  ok(widest <= 80, `a help line is ${widest} columns wide; help is wrapped at 80`);
});

Deno.test("the link check finds a missing page and a missing heading", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "a.md"), "# Title\n\n## Exit codes\n\n`[x](nope.md)`\n");
    await Deno.writeTextFile(
      join(dir, "b.md"),
      "See [a](a.md#exit-codes), [gone](gone.md), [no](a.md#nowhere), [web](https://x.org).\n" +
        "```\n[in code](missing.md)\n```\n",
    );
    deepEqual(await brokenLinks(dir, ["a.md", "b.md"]), [
      "b.md:1: gone.md (no file gone.md)",
      "b.md:1: a.md#nowhere (no heading with anchor #nowhere in a.md)",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("headings get GitHub's anchors", () => {
  deepEqual(
    [...headingAnchors(
      "# impact run\n## Which GPUs are the job's\n## Clusters (SLURM)\n## Run\n## Run\n",
    )],
    ["impact-run", "which-gpus-are-the-jobs", "clusters-slurm", "run", "run-1"],
  );
  deepEqual(relativeLinks("[a](x.md) [b](http://y) `[c](z.md)`"), [{ target: "x.md", line: 1 }]);
});

Deno.test("every relative link of README.md and docs/ reaches its file and heading", async () => {
  const pages = ["README.md"];
  for await (const entry of Deno.readDir(join(REPO_ROOT, "docs"))) {
    if (entry.isFile && entry.name.endsWith(".md")) pages.push(`docs/${entry.name}`);
  }
  ok(pages.length > 5, `docs/ holds ${pages.length - 1} pages`);
  const broken = await brokenLinks(REPO_ROOT, pages.sort());
  equal(broken.length, 0, `broken links:\n${broken.join("\n")}`);
});

Deno.test("README.md is a front page: under 15 KB, linking every page of docs/", async () => {
  const readme = await Deno.readTextFile(join(REPO_ROOT, "README.md"));
  const bytes = new TextEncoder().encode(readme).length;
  ok(bytes <= README_MAX_BYTES, `README.md is ${bytes} bytes; move reference material to docs/`);
  const linked = new Set(relativeLinks(readme).map((l) => l.target.split("#")[0]));
  for await (const entry of Deno.readDir(join(REPO_ROOT, "docs"))) {
    if (entry.name.endsWith(".md")) {
      ok(linked.has(`docs/${entry.name}`), `README links docs/${entry.name}`);
    }
  }
});

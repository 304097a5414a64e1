/**
 * `deno task docs`, first step: rewrites the generated parts of docs/ (the CLI reference from
 * the commands' own help, the log format from lib/log/schema.ts's doc comments).
 * tests/e2e/docs_test.ts fails when a page differs from what this would write.
 *
 * @module
 */
import { join } from "node:path";
import { expectedPage, GENERATED_PAGES, REPO_ROOT } from "./docs/generated.ts";

if (import.meta.main) {
  for (const page of GENERATED_PAGES) {
    const { current, expected } = await expectedPage(page, REPO_ROOT);
    if (current === expected) {
      console.log(`docs: ${page.path} is up to date`);
    } else {
      await Deno.writeTextFile(join(REPO_ROOT, page.path), expected);
      console.log(`docs: wrote ${page.path} from ${page.source}`);
    }
  }
}

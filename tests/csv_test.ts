import { deepEqual, equal, throws } from "node:assert/strict";
import { CsvSyntaxError, formatCsv, parseCsv } from "../lib/csv.ts";

Deno.test("parseCsv unquotes fields, keeps blank lines and names each record's line", () => {
  const rows = parseCsv('"a","b, c"\r\n\n"say ""hi""",2,3\n');
  deepEqual(rows, [
    { fields: ["a", "b, c"], line: 1 },
    { fields: [""], line: 2 },
    { fields: ['say "hi"', "2", "3"], line: 3 },
  ]);
  deepEqual(parseCsv(" x , y \n", { trim: true })[0]!.fields, ["x", "y"]);
});

Deno.test("an unclosed quote is a CsvSyntaxError naming its line", () => {
  throws(
    () => parseCsv('a,b\n1,2\n3,"4\n'),
    (error: unknown) => error instanceof CsvSyntaxError && error.line === 3,
  );
});

Deno.test("formatCsv writes what parseCsv reads back, cell for cell", () => {
  const cells = ["plain", 'q"uote', "com,ma", "line\nbreak", "car\rriage", " lead", "trail "];
  const text = formatCsv(["n", "text"], cells.map((text, n) => ({ n, text })));
  deepEqual(parseCsv(text).map((r) => r.fields), [
    ["n", "text"],
    ...cells.map((text, n) => [String(n), text]),
  ]);
  equal(text.at(-1), "\n");
});

import { deepEqual } from "node:assert/strict";

/**
 * Signs of text that went through the wrong encoding: U+FFFD (bytes that were not UTF-8), and
 * UTF-8 read as Latin-1 or Windows-1252 ("Ã©" for "é", "â€™" for "’", "ï¿½" for U+FFFD).
 */
const MOJIBAKE = /\uFFFD|[\u00C2\u00C3][\u0080-\u00BF]|\u00E2\u20AC|\u00EF\u00BF\u00BD/;

Deno.test("every file under data/ is valid UTF-8 with no mojibake", async () => {
  const dir = new URL("../../data/", import.meta.url);
  const problems: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile) continue;
    const bytes = await Deno.readFile(new URL(entry.name, dir));
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      problems.push(`${entry.name}: not valid UTF-8`);
      continue;
    }
    text.split("\n").forEach((line, i) => {
      const bad = MOJIBAKE.exec(line);
      if (bad) {
        const at = Math.max(0, bad.index - 20);
        problems.push(`${entry.name}:${i + 1}: ${JSON.stringify(line.slice(at, at + 50))}`);
      }
    });
  }
  deepEqual(problems, []);
});

Deno.test("the mojibake check catches what it is for", () => {
  for (const bad of ["S\uFFFDo Paulo", "SÃ£o Paulo", "MontrÃ©al", "itâ€™s", "Sï¿½o Paulo"]) {
    deepEqual(MOJIBAKE.test(bad), true, bad);
  }
  for (const good of ["São Paulo", "Montréal", "Zürich", "東京", "SÃO", "Ãlvaro"]) {
    deepEqual(MOJIBAKE.test(good), false, good);
  }
});

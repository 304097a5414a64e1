/**
 * Reads the real hardware captures in tests/fixtures/ (copied from shared/reference/hw/) as
 * they are: the SOURCE line, and the captured output split into blocks at the capture's own
 * `#` commentary, so tests feed parsers the real lines without editing the files.
 *
 * @module
 */
import { readFixture } from "./fixture_files.ts";

/** A run of captured output lines between two commentary lines. */
export interface CaptureBlock {
  /** The commentary lines just before it (`#` stripped), which say what it is. */
  notes: string[];
  /** 1-based line number of its first line in the file. */
  firstLine: number;
  /** The captured lines, verbatim, joined with newlines (a trailing newline included). */
  text: string;
}

/** A capture file, its provenance and its output blocks. */
export interface Capture {
  /** The file's SOURCE line: where the capture came from. */
  source: string;
  /** The whole file, for parsers that take it as is (XML with a leading comment). */
  text: string;
  /** The output blocks, in file order. */
  blocks: CaptureBlock[];
}

/**
 * Reads a capture and checks it still names its source.
 *
 * @param name The file name under tests/fixtures/.
 * @returns Its source, text and blocks.
 */
export async function readCapture(name: string): Promise<Capture> {
  const text = await readFixture(name);
  const lines = text.split("\n");
  const source = /^(?:#|<!--)\s*(SOURCE: .*?)\s*(?:-->)?$/.exec(lines[0] ?? "")?.[1];
  if (source === undefined) throw new Error(`${name} line 1: no SOURCE line`);
  const blocks: CaptureBlock[] = [];
  let notes: string[] = [];
  let current: { notes: string[]; firstLine: number; lines: string[] } | undefined;
  const close = () => {
    if (current) blocks.push({ ...current, text: `${current.lines.join("\n")}\n` });
    current = undefined;
  };
  lines.forEach((line, i) => {
    if (line.startsWith("#") || i === 0) {
      close();
      notes.push(line.replace(/^#\s?/, ""));
      return;
    }
    if (!current) {
      if (line.trim() === "") return;
      current = { notes, firstLine: i + 1, lines: [] };
      notes = [];
    }
    current.lines.push(line);
  });
  close();
  return { source, text, blocks };
}

/**
 * The first block whose notes match a pattern.
 *
 * @param capture A capture.
 * @param pattern What its commentary says, e.g. `/\[2\]/`.
 * @returns The block.
 */
export function blockAfter(capture: Capture, pattern: RegExp): CaptureBlock {
  const block = capture.blocks.find((b) => b.notes.some((note) => pattern.test(note)));
  if (!block) throw new Error(`no capture block after a note matching ${pattern}`);
  return block;
}

/**
 * The fields the capture's `COMMAND:` note queried for a block (the last such note at or
 * before it), e.g. `--query-gpu=index,uuid,name`.
 *
 * @param capture A capture.
 * @param block One of its blocks.
 * @returns The queried fields, in order.
 */
export function queriedFields(capture: Capture, block: CaptureBlock): string[] {
  let fields: string[] | undefined;
  for (const b of capture.blocks.slice(0, capture.blocks.indexOf(block) + 1)) {
    for (const note of b.notes) {
      const query = /--query-[a-z-]+=(\S+)/.exec(note)?.[1];
      if (query !== undefined) fields = query.split(",");
    }
  }
  if (!fields) throw new Error(`no COMMAND note with a query before line ${block.firstLine}`);
  return fields;
}

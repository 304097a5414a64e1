/**
 * docs/log-format.md's field reference, from the doc comments of lib/log/schema.ts (and the
 * shared vocabulary of lib/types.ts it uses), read with `deno doc --json`: the types are the
 * format's only definition, so the page cannot say otherwise.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The modules whose doc comments the reference is made from. */
const SOURCES = ["lib/log/schema.ts", "lib/types.ts"];

/** The three files of a log directory and the type each line or file holds. */
const FILES = [
  { file: "impact.json", type: "RunInfo" },
  { file: "samples.jsonl", type: "SampleRecord" },
  { file: "summary.json", type: "RunSummary" },
];

/** The part of `deno doc --json`'s type description this page reads. */
interface TsType {
  kind: string;
  repr?: string;
  // deno-lint-ignore no-explicit-any
  value?: any;
}

interface Property {
  name: string;
  optional?: boolean;
  jsDoc?: { doc?: string };
  tsType?: TsType;
}

interface IndexSignature {
  tsType?: TsType;
}

interface Declaration {
  kind: string;
  jsDoc?: { doc?: string };
  def: {
    tsType?: TsType;
    properties?: Property[];
    indexSignatures?: IndexSignature[];
    extends?: TsType[];
  };
}

interface DocSymbol {
  name: string;
  declarations: Declaration[];
}

/**
 * Every symbol the sources export, by name, from `deno doc --json`.
 *
 * @param root The repository's root folder.
 * @returns The symbols.
 */
async function readSymbols(root: string): Promise<Map<string, DocSymbol>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...SOURCES],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(`deno doc --json failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  const json = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    nodes: Record<string, { symbols: DocSymbol[] }>;
  };
  const symbols = new Map<string, DocSymbol>();
  for (const node of Object.values(json.nodes)) {
    for (const symbol of node.symbols) symbols.set(symbol.name, symbol);
  }
  return symbols;
}

/** Renders the reference; collects the named types it refers to, in order of first use. */
class Renderer {
  readonly queue: string[] = FILES.map((f) => f.type);

  constructor(private readonly symbols: Map<string, DocSymbol>) {}

  /** A doc comment on one line, for a table cell; `{@link X}` becomes a link where X is here. */
  cell(doc: string | undefined): string {
    return this.prose(doc ?? "").replace(/\s*\n\s*/g, " ").replaceAll("|", "\\|");
  }

  prose(doc: string): string {
    return doc.trim().replace(/\{@link\s+([\w.]+)\s*\}/g, (_, name: string) => {
      if (!this.isDocumented(name)) return `\`${name}\``;
      this.use(name);
      return `[${name}](#${name.toLowerCase()})`;
    });
  }

  /** A named type the page documents: an interface or type alias of the sources. */
  isDocumented(name: string): boolean {
    const kind = this.symbols.get(name)?.declarations[0]?.kind;
    return kind === "interface" || kind === "typeAlias";
  }

  use(name: string): void {
    if (!this.queue.includes(name)) this.queue.push(name);
  }

  /** A type as TypeScript writes it, with documented names linked. */
  type(t: TsType | undefined): string {
    if (!t) return "unknown";
    switch (t.kind) {
      case "keyword":
        return String(t.value);
      case "literal":
        return t.value.kind === "string" ? JSON.stringify(t.value.string) : String(t.repr);
      case "array": {
        const inner = this.type(t.value);
        return t.value.kind === "union" ? `(${inner})[]` : `${inner}[]`;
      }
      case "union":
        return (t.value as TsType[]).map((v) => this.type(v)).join(" | ");
      case "typeLiteral":
        return "object";
      case "typeQuery": {
        // `typeof LOG_SCHEMA_VERSION`: the constant's own literal type.
        const declaration = this.symbols.get(String(t.value))?.declarations[0];
        return declaration?.def.tsType ? this.type(declaration.def.tsType) : `typeof ${t.value}`;
      }
      case "typeRef": {
        const name = String(t.value.typeName);
        const params = (t.value.typeParams ?? []) as TsType[];
        const args = params.length ? `<${params.map((p) => this.type(p)).join(", ")}>` : "";
        if (!this.isDocumented(name)) return `${name}${args}`;
        this.use(name);
        return `[${name}](#${name.toLowerCase()})${args}`;
      }
      default:
        return t.repr ?? t.kind;
    }
  }

  /** Table rows for properties, nested object literals flattened as `a.b`. */
  rows(properties: Property[], index: IndexSignature[], prefix: string): string[] {
    const rows: string[] = [];
    for (const p of properties) {
      const name = `${prefix}${p.name}${p.optional ? "?" : ""}`;
      const type = this.type(p.tsType).replaceAll("|", "\\|");
      const code = type.includes("](") ? type : `\`${type}\``;
      rows.push(`| \`${name}\` | ${code} | ${this.cell(p.jsDoc?.doc)} |`);
      if (p.tsType?.kind === "typeLiteral") {
        const literal = p.tsType.value;
        const nested = `${prefix}${p.name}.`;
        rows.push(...this.rows(literal.properties ?? [], literal.indexSignatures ?? [], nested));
      }
    }
    for (const signature of index) {
      const type = this.type(signature.tsType);
      rows.push(`| \`${prefix}*\` | \`${type}\` | any other key |`);
    }
    return rows;
  }

  /** One named type's section. */
  section(name: string): string {
    const declaration = this.symbols.get(name)!.declarations[0]!;
    const parts = [`### ${name}`];
    const doc = this.prose(declaration.jsDoc?.doc ?? "");
    if (doc) parts.push(doc);
    if (declaration.kind === "typeAlias") {
      parts.push(
        "```ts\n" + `type ${name} = ${plain(this.type(declaration.def.tsType))};` + "\n```",
      );
      return parts.join("\n\n");
    }
    const bases = (declaration.def.extends ?? []).map((t) => this.type(t));
    if (bases.length) parts.push(`Also has every field of ${bases.join(", ")}.`);
    const rows = this.rows(
      declaration.def.properties ?? [],
      declaration.def.indexSignatures ?? [],
      "",
    );
    parts.push(["| field | type | meaning |", "| --- | --- | --- |", ...rows].join("\n"));
    return parts.join("\n\n");
  }
}

/** A type without its links, for a code block. */
function plain(markdown: string): string {
  return markdown.replace(/\[([^\]]+)\]\(#[^)]+\)/g, "$1");
}

/**
 * The field reference of the log format: each file's record, then every type they use.
 *
 * @param root The repository's root folder.
 * @returns Markdown.
 */
export async function logFormatMarkdown(
  root = fileURLToPath(new URL("../..", import.meta.url)),
): Promise<string> {
  const renderer = new Renderer(await readSymbols(root));
  const intro = [
    `Generated from the doc comments of ${SOURCES.map((s) => `\`${s}\``).join(" and ")}. ` +
    "A field marked `?` may be absent; types are TypeScript's (`number | null`: a number or " +
    "`null`).",
    FILES.map((f) => `- \`${f.file}\`: [${f.type}](#${f.type.toLowerCase()})`).join("\n"),
  ];
  const sections: string[] = [];
  // The queue grows as sections refer to further types.
  for (let i = 0; i < renderer.queue.length; i++) {
    sections.push(renderer.section(renderer.queue[i]!));
  }
  return [...intro, ...sections].join("\n\n");
}

/**
 * Rewrites of `deno bundle`'s code-split output that keep work off impact's start-up path,
 * so `impact --version` or `impact region` costs little more than an empty script:
 *
 * - Deno reads and analyses every module a bundle names in a literal `import("./x.js")`
 *   when the program starts, whether or not it is ever loaded: 6 MB of chunks (the zone
 *   polygons, the gazetteer) for a `--version`. The chunk's URL is built at run time instead.
 * - The first `node:` built-in a program imports starts Deno's Node compatibility layer
 *   (+10 ms; `node:fs` and `node:process` +35 ms more). Commander imports five at its top, and
 *   uses them only to run external subcommands and to size help text. Each `node:` import
 *   becomes a binding that loads the module on first use (`process.getBuiltinModule`).
 * - Commander's `Command` extends `node:events`' EventEmitter, which no lazy binding can
 *   stand in for (a class is extended when the module loads). Commander calls only `on`,
 *   `emit` and `listenerCount` on its own commands, so its copy gets a minimal one.
 *
 * Pure text in, text out; {@link rewriteForStartup} says what it left alone.
 *
 * @module
 */

/** What a `node:` module exports under a name, as the build machine's Deno sees it. */
export type ExportKind = "function" | "class" | "object" | "primitive" | "missing";

/** The result of {@link rewriteForStartup}. */
export interface StartupRewrite {
  text: string;
  /** `node:` imports left as they were (they load when the file loads), one line each. */
  eager: string[];
}

// Function declarations, so they exist before any hoisted binding below them runs.
const HELPERS = `function __impactNode(id) {
  return globalThis.process.getBuiltinModule(id);
}
function __impactLazyModule(id) {
  let real;
  const load = () => (real ??= __impactNode(id));
  const bound = new Map();
  return new Proxy({}, {
    get: (_, key) => {
      const value = load()[key];
      if (typeof value !== "function") return value;
      if (bound.get(key)?.[0] !== value) bound.set(key, [value, value.bind(load())]);
      return bound.get(key)[1];
    },
    set: (_, key, value) => { load()[key] = value; return true; },
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      if (descriptor) descriptor.configurable = true;
      return descriptor;
    },
  });
}
function __impactLazyFunction(id, name) {
  let real;
  return function (...args) {
    return (real ??= __impactNode(id)[name]).apply(this, args);
  };
}
`;

/** The part of node:events' EventEmitter that commander's Command uses. */
const COMMANDER_EVENTS = `class EventEmitter {
  #listeners = new Map();
  on(event, listener) {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener);
    this.#listeners.set(event, list);
    return this;
  }
  emit(event, ...args) {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const listener of [...list]) listener.apply(this, args);
    return true;
  }
  listenerCount(event) {
    return this.#listeners.get(event)?.length ?? 0;
  }
}
`;

const NODE_IMPORT = /^import (.+) from "(node:[a-z_/]+)";$/;
const COMMANDER_COMMAND = /^\/\/ .*\/commander\/[^/]+\/lib\/command\.js$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Replaces each literal `import("./chunk.js")` with an import of a URL built at run time.
 *
 * @param text One output file of the bundle.
 * @returns The text and how many imports were rewritten.
 */
export function hideChunkImports(text: string): { text: string; count: number } {
  let count = 0;
  const out = text.replace(/\bimport\("(\.\/[\w.-]+\.js)"\)/g, (_, path: string) => {
    count++;
    return `import(new URL(${JSON.stringify(path)}, import.meta.url).href)`;
  });
  return { text: out, count };
}

/** `{ a, b as c }` -> [["a", "a"], ["b", "c"]] (exported name, local name). */
function namedBindings(clause: string): [string, string][] | undefined {
  const match = /^\{([^}]*)\}$/.exec(clause.trim());
  if (!match) return undefined;
  const pairs: [string, string][] = [];
  for (const part of match[1]!.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const [name = "", local = name] = part.split(/\s+as\s+/);
    if (!IDENTIFIER.test(name) || !IDENTIFIER.test(local)) return undefined;
    pairs.push([name, local]);
  }
  return pairs;
}

/** The binding that stands for one import clause, or undefined when none can. */
function lazyBinding(
  clause: string,
  module: string,
  kindOf: (module: string, name: string) => ExportKind,
  valueOf: (module: string, name: string) => unknown,
): string | undefined {
  const whole = /^(?:\* as )?([A-Za-z_$][\w$]*)$/.exec(clause);
  if (whole) return `const ${whole[1]} = __impactLazyModule(${JSON.stringify(module)});`;
  const pairs = namedBindings(clause);
  if (!pairs) return undefined;
  const lines: string[] = [];
  for (const [name, local] of pairs) {
    const kind = kindOf(module, name);
    if (kind === "function") {
      const args = `${JSON.stringify(module)}, ${JSON.stringify(name)}`;
      lines.push(`const ${local} = __impactLazyFunction(${args});`);
    } else if (kind === "primitive") {
      // A constant such as node:path's `delimiter`, the same on the machine that runs it.
      lines.push(`const ${local} = ${JSON.stringify(valueOf(module, name))};`);
    } else {
      return undefined;
    }
  }
  return lines.join("\n");
}

/**
 * Applies the start-up rewrites to one output file of a code-split bundle.
 *
 * @param text The file's text.
 * @param kindOf What a `node:` module exports under a name (see {@link exportKind}).
 * @param valueOf The value of a primitive export.
 * @returns The rewritten text and the imports left eager.
 */
export function rewriteForStartup(
  text: string,
  kindOf: (module: string, name: string) => ExportKind,
  valueOf: (module: string, name: string) => unknown,
): StartupRewrite {
  const lines = hideChunkImports(text).text.split("\n");
  const hoisted: string[] = [];
  const eager: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = NODE_IMPORT.exec(lines[i]!);
    if (!match) continue;
    const [, clause, module] = match as unknown as [string, string, string];
    if (
      module === "node:events" && clause === "{ EventEmitter }" &&
      COMMANDER_COMMAND.test(lines[i - 1] ?? "")
    ) {
      hoisted.push(COMMANDER_EVENTS);
      lines[i] = "";
      continue;
    }
    const binding = lazyBinding(clause, module, kindOf, valueOf);
    if (binding === undefined) {
      eager.push(lines[i]!);
      continue;
    }
    // Import declarations are hoisted; so are these bindings, which load nothing yet.
    hoisted.push(binding);
    lines[i] = "";
  }
  if (hoisted.length === 0) return { text: lines.join("\n"), eager };
  const body = lines.join("\n");
  return { text: `${HELPERS}${hoisted.join("\n")}\n${body}`, eager };
}

/**
 * What a `node:` module exports under a name, in this Deno.
 *
 * @param exports The module's namespace object.
 * @param name The export's name.
 * @returns Its kind: a class or an object cannot be loaded lazily, a function or a primitive can.
 */
export function exportKind(exports: Record<string, unknown>, name: string): ExportKind {
  if (!(name in exports)) return "missing";
  const value = exports[name];
  if (typeof value === "function") {
    const source = Function.prototype.toString.call(value);
    // A class, or a constructor function whose prototype carries methods.
    const methods = value.prototype ? Object.getOwnPropertyNames(value.prototype).length : 0;
    return /^class\b/.test(source) || methods > 1 ? "class" : "function";
  }
  return value !== null && typeof value === "object" ? "object" : "primitive";
}

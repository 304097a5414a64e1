/**
 * The house stays this way: every local import runs downwards (or within a layer) as
 * docs/architecture.md's layer table lists them, no local modules import each other in a
 * circle, and the accounting stays pure. The table is read from the doc, its only copy.
 *
 * @module
 */
import { deepEqual, equal, fail, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const rootUrl = new URL("..", import.meta.url).href;

/** One layer of the table. */
interface Layer {
  rank: number;
  name: string;
  /** Paths relative to the repository; a trailing `/` holds everything below. */
  paths: string[];
}

/** A local import: from one module to another, at a 1-based line. */
interface Edge {
  from: string;
  to: string;
  line: number;
}

/** Reads the layer table of docs/architecture.md. */
function parseLayerTable(markdown: string): Layer[] {
  const layers: Layer[] = [];
  for (const line of markdown.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 5 || !/^\d+$/.test(cells[1]!)) continue;
    const paths = [...cells[3]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    layers.push({ rank: Number(cells[1]), name: cells[2]!, paths });
  }
  return layers;
}

/** The layer holding a module: the longest matching path wins. */
function layerOf(module: string, layers: Layer[]): Layer | undefined {
  let best: { layer: Layer; length: number } | undefined;
  for (const layer of layers) {
    for (const path of layer.paths) {
      const hit = path.endsWith("/") ? module.startsWith(path) : module === path;
      if (hit && (!best || path.length > best.length)) best = { layer, length: path.length };
    }
  }
  return best?.layer;
}

/** Every import between local modules, from `deno info --json` of the entry points. */
async function localImports(entries: string[]): Promise<Edge[]> {
  const edges = new Map<string, Edge>();
  for (const entry of entries) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.code !== 0) fail(`deno info ${entry} failed: ${new TextDecoder().decode(out.stderr)}`);
    const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: {
        specifier: string;
        dependencies?: {
          code?: { specifier: string; span: { start: { line: number } } };
          type?: { specifier: string; span: { start: { line: number } } };
        }[];
      }[];
    };
    for (const module of graph.modules) {
      if (!module.specifier.startsWith(rootUrl)) continue;
      const from = module.specifier.slice(rootUrl.length);
      for (const dependency of module.dependencies ?? []) {
        for (const target of [dependency.code, dependency.type]) {
          if (!target?.specifier.startsWith(rootUrl)) continue;
          const to = target.specifier.slice(rootUrl.length);
          edges.set(`${from} ${to}`, { from, to, line: target.span.start.line + 1 });
        }
      }
    }
  }
  return [...edges.values()];
}

/** Imports that run upwards, and modules the table does not place, in words. */
function layerProblems(edges: Edge[], layers: Layer[]): string[] {
  const problems: string[] = [];
  const unplaced = new Set<string>();
  for (const edge of edges) {
    const from = layerOf(edge.from, layers);
    const to = layerOf(edge.to, layers);
    for (const [module, layer] of [[edge.from, from], [edge.to, to]] as const) {
      if (!layer) unplaced.add(module);
    }
    if (from && to && to.rank > from.rank) {
      problems.push(
        `${edge.from}:${edge.line} (${from.name}, rank ${from.rank}) imports ${edge.to} ` +
          `(${to.name}, rank ${to.rank}): a lower layer may not import a higher one`,
      );
    }
  }
  for (const module of unplaced) {
    problems.push(`${module} is in no layer of docs/architecture.md's table`);
  }
  return problems;
}

/** Every import circle among the modules (Tarjan's strongly connected components). */
function importCircles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...next.get(from) ?? [], to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  let counter = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfLoop = (next.get(node) ?? []).includes(node);
    if (component.length > 1 || selfLoop) circles.push(circleThrough(component.sort(), next));
  };
  for (const node of next.keys()) if (!index.has(node)) visit(node);
  return circles;
}

/** One circle through a strongly connected component's first module, as a path back to it. */
function circleThrough(component: string[], next: Map<string, string[]>): string[] {
  const start = component[0]!;
  const members = new Set(component);
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of next.get(node) ?? []) {
      if (to === start) {
        const path = [start];
        for (let at = node; at !== start; at = parent.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (members.has(to) && !parent.has(to)) {
        parent.set(to, node);
        queue.push(to);
      }
    }
  }
  return component;
}

/** Imports that break the accounting's purity: the runtime or the file system. */
async function impurities(edges: Edge[], layers: Layer[]): Promise<string[]> {
  const pure = layers.find((l) => l.name === "accounting");
  if (!pure) return ["docs/architecture.md has no accounting layer"];
  const problems: string[] = [];
  const modules = new Set(edges.flatMap((e) => [e.from, e.to]));
  for (const module of modules) {
    if (layerOf(module, layers) !== pure) continue;
    for (const edge of edges.filter((e) => e.from === module && e.to === "lib/runtime.ts")) {
      problems.push(`${edge.from}:${edge.line} imports lib/runtime.ts; accounting is pure`);
    }
    const text = await Deno.readTextFile(`${root}${module}`);
    for (const [i, line] of text.split("\n").entries()) {
      if (/\bDeno\.|["']node:fs/.test(line) && !/^\s*(\*|\/\/)/.test(line)) {
        problems.push(`${module}:${i + 1} touches the outside world; accounting is pure`);
      }
    }
  }
  return problems;
}

const layers = parseLayerTable(await Deno.readTextFile(`${root}docs/architecture.md`));

Deno.test("docs/architecture.md's table lists the layers from the foundation to the entry", () => {
  deepEqual(layers.map((l) => l.rank), layers.map((_, i) => i));
  equal(layers[0]!.name, "foundation");
  equal(layers.at(-1)!.name, "entry");
  ok(layers.every((l) => l.paths.length > 0));
});

Deno.test("the checks name an upward import, an unplaced module and a circle", () => {
  const edges: Edge[] = [
    { from: "lib/sensors/rapl.ts", to: "lib/log/schema.ts", line: 3 },
    { from: "lib/sensors/rapl.ts", to: "lib/types.ts", line: 4 },
    { from: "lib/nowhere.ts", to: "lib/types.ts", line: 1 },
    { from: "lib/run/a.ts", to: "lib/run/b.ts", line: 1 },
    { from: "lib/run/b.ts", to: "lib/run/a.ts", line: 9 },
  ];
  const problems = layerProblems(edges, layers);
  match(
    problems.join("\n"),
    /lib\/sensors\/rapl\.ts:3 \(sensors, rank 2\) imports lib\/log\/schema\.ts \(log, rank 3\)/,
  );
  match(problems.join("\n"), /lib\/nowhere\.ts is in no layer/);
  equal(problems.length, 2);
  deepEqual(importCircles(edges), [["lib/run/a.ts", "lib/run/b.ts", "lib/run/a.ts"]]);
});

Deno.test("every local import runs downwards, with no circle, and accounting stays pure", async () => {
  const edges = await localImports(["main.ts", "mod.ts"]);
  ok(edges.length > 100, `only ${edges.length} local imports found`);
  const problems = [
    ...layerProblems(edges, layers),
    ...importCircles(edges).map((c) => `import circle: ${c.join(" -> ")}`),
    ...await impurities(edges, layers),
  ];
  equal(problems.length, 0, `\n${problems.join("\n")}`);
});

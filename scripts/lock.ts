/**
 * `deno task lock`: brings both lockfiles in line with the import maps after a pin changed.
 *
 * Where a package is pinned, each in exactly one place of deno.json's import map:
 * - "imports": what the tool itself imports (main.ts, mod.ts, lib/). Locked in `deno.lock`,
 *   which Deno installs whole on a user's first `deno run main.ts`, so nothing else may enter
 *   it (deno.json freezes it: a command that would add to it fails).
 * - "scopes" "./scripts/": data-build and benchmark packages, seen by files under scripts/.
 * - "scopes" "./tests/": test-only packages, seen by files under tests/.
 *
 * Scoped packages are not installed by `deno task` (the "imports" ones are, so a workspace
 * member's or a second config's packages would land in deno.lock). `deno.dev.lock` locks
 * all of them; every task that resolves scripts/ or tests/ passes `--lock=deno.dev.lock`.
 * Deno's own advice on a stale lock, `deno install --frozen=false`, copies the scoped packages
 * into deno.lock; this task prunes them again.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The parts of a Deno lockfile (version 5) that name npm packages. */
export interface Lockfile {
  version: string;
  specifiers?: Record<string, string>;
  npm?: Record<string, { dependencies?: string[]; optionalDependencies?: string[] }>;
  workspace?: { dependencies?: string[] };
  [other: string]: unknown;
}

/** `npm:name@range` -> `name`. */
function packageName(specifier: string): string {
  const bare = specifier.replace(/^npm:/, "");
  const at = bare.indexOf("@", 1);
  return at < 0 ? bare : bare.slice(0, at);
}

/**
 * The npm specifiers of deno.json's "imports" (its "scopes" left out).
 *
 * @param configText The text of deno.json (JSON with whole-line `//` comments).
 * @returns Specifiers such as `npm:commander@15.1.0`; a subpath (`npm:csv-parse@7.0.3/sync`) is
 * dropped, as the lockfile names the package alone.
 */
export function rootImports(configText: string): string[] {
  const config = JSON.parse(configText.replace(/^\s*\/\/.*$/gm, "")) as {
    imports?: Record<string, string>;
  };
  const packages = Object.values(config.imports ?? {})
    .filter((target) => target.startsWith("npm:"))
    .map((target) => target.replace(/^(npm:(?:@[^/]+\/[^/]+|[^@/][^/]*))\/.*$/, "$1"));
  return [...new Set(packages)];
}

/**
 * The npm snapshot entries reachable from the given import map entries, following each
 * package's dependencies.
 *
 * @param lock A parsed lockfile.
 * @param imports The root import map's npm specifiers (see {@link rootImports}).
 * @returns The snapshot keys (`name@version`) a `deno run main.ts` needs.
 * @throws {Error} When a specifier or dependency names no snapshot entry, or several.
 */
function rootPackages(lock: Lockfile, imports: string[]): Set<string> {
  const npm = lock.npm ?? {};
  const keys = Object.keys(npm);
  const find = (dep: string): string => {
    // "name@version" where the snapshot holds several versions, else the bare name.
    if (dep.indexOf("@", 1) > 0 && npm[dep]) return dep;
    const matches = keys.filter((key) => packageName(key) === dep);
    if (matches.length !== 1) {
      throw new Error(`Lockfile dependency ${dep} matches ${matches.length} npm entries`);
    }
    return matches[0]!;
  };
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const specifier of imports) {
    const resolved = lock.specifiers?.[specifier];
    if (resolved === undefined) throw new Error(`Lockfile has no specifier ${specifier}`);
    queue.push(`${packageName(specifier)}@${resolved}`);
  }
  while (queue.length > 0) {
    const key = queue.pop()!;
    if (seen.has(key)) continue;
    const entry = npm[key];
    if (!entry) throw new Error(`Lockfile has no npm entry ${key}`);
    seen.add(key);
    for (const dep of [...entry.dependencies ?? [], ...entry.optionalDependencies ?? []]) {
      queue.push(find(dep));
    }
  }
  return seen;
}

/**
 * The lockfile without the npm packages and specifiers the root import map does not reach.
 *
 * @param lock A parsed lockfile.
 * @param imports The root import map's npm specifiers (see {@link rootImports}).
 * @returns A copy holding only what {@link rootPackages} names.
 */
export function pruneToRoot(lock: Lockfile, imports: string[]): Lockfile {
  const keep = rootPackages(lock, imports);
  const roots = new Set(imports);
  const specifiers = Object.fromEntries(
    Object.entries(lock.specifiers ?? {}).filter(([specifier]) => roots.has(specifier)),
  );
  const versions = new Map<string, number>();
  for (const key of keep) versions.set(packageName(key), (versions.get(packageName(key)) ?? 0) + 1);
  // Deno names a dependency by version only while the snapshot holds several of its versions.
  const shorten = (dep: string) => versions.get(packageName(dep)) === 1 ? packageName(dep) : dep;
  const npm = Object.fromEntries(
    Object.entries(lock.npm ?? {}).filter(([key]) => keep.has(key)).map(([key, entry]) => {
      const copy = { ...entry };
      if (copy.dependencies) copy.dependencies = copy.dependencies.map(shorten);
      if (copy.optionalDependencies) {
        copy.optionalDependencies = copy.optionalDependencies.map(shorten);
      }
      return [key, copy];
    }),
  );
  return { ...lock, specifiers, npm };
}

async function deno(args: string[], cwd: string): Promise<void> {
  const { code } = await new Deno.Command(Deno.execPath(), { args, cwd }).output();
  if (code !== 0) throw new Error(`deno ${args.join(" ")} exited ${code}`);
}

async function pruneFile(path: string, imports: string[]): Promise<number> {
  const lock = JSON.parse(await Deno.readTextFile(path)) as Lockfile;
  const pruned = pruneToRoot(lock, imports);
  const removed = Object.keys(lock.npm ?? {}).length - Object.keys(pruned.npm ?? {}).length;
  await Deno.writeTextFile(path, JSON.stringify(pruned, null, 2) + "\n");
  return removed;
}

if (import.meta.main) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  // Root first: resolve main.ts and mod.ts (this also updates the lock's list of the import
  // map's dependencies, scoped ones included), then drop whatever a scoped package brought in.
  await deno(["install", "--frozen=false", "--entrypoint", "main.ts", "mod.ts"], root);
  const imports = rootImports(await Deno.readTextFile(join(root, "deno.json")));
  const removed = await pruneFile(join(root, "deno.lock"), imports);
  console.log(`lock: deno.lock holds the tool's packages only (${removed} others pruned)`);
  await deno(["check", "--frozen=false", "--lock=deno.dev.lock", "."], root);
  console.log("lock: deno.dev.lock holds every package of deno.json, scripts/ and tests/");
}

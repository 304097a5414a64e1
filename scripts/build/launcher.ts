/**
 * `dist/impact` where `deno compile` cannot run: one executable file, a POSIX `sh` launcher
 * followed by a gzip'd tar of the Deno runtime and impact's bundle.
 *
 * The first run unpacks the payload into a per-user cache folder named by its hash
 * (`$XDG_CACHE_HOME/impact/<id>`, else `~/.cache/impact/<id>`, else `$TMPDIR/impact-<uid>/<id>`
 * when home is unset or read-only): into a temporary folder beside it, then renamed into place,
 * so concurrent first runs (two shells, two nodes on a shared home) never see half a folder.
 * Every run then `exec`s the runtime on the bundle: impact's arguments, exit code and signals
 * are its own. It needs sh, tail, gzip, tar, mkdir, mv and rm, which every Linux and macOS has.
 *
 * @module
 */
import { tarChunks, type TarFile } from "./tar.ts";

/** What the launcher text needs. */
export interface LauncherInfo {
  /** The cache key: `<impact version>-<payload hash>`. */
  id: string;
  version: string;
  denoVersion: string;
}

/** The exit code when the launcher cannot unpack (like `env`'s own failures). */
export const LAUNCHER_FAILED = 125;

function script(info: LauncherInfo, offset: number): string {
  return `#!/bin/sh
# impact ${info.version}: one self-contained file. This POSIX sh launcher is followed, from
# byte ${offset}, by a gzip'd tar of the Deno ${info.denoVersion} runtime and impact's bundle.
# The first run unpacks them into a per-user cache folder named by their hash; every run
# then execs the runtime on the bundle. Built by \`deno task build\` (scripts/build.ts).
id=${info.id}
offset=${offset}

ready() { [ -f "$1/$id/.complete" ]; }

# Unpacks into a temporary folder beside $1/$id and renames it into place: concurrent first
# runs (other shells, other nodes sharing this home) never see a half-written folder.
unpack() {
  mkdir -p "$1" 2>/dev/null || return 1
  tmp=$1/.$id.$(uname -n).$$
  rm -rf "$tmp"
  mkdir "$tmp" 2>/dev/null || return 1
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if tail -c +"$offset" "$0" | gzip -dc | (cd "$tmp" && tar -xf - 2>/dev/null) &&
    [ -f "$tmp/.complete" ] && [ ! -d "$1/$id" ]; then
    # rename(2): atomic. Where another run won the race, mv puts ours inside theirs.
    mv "$tmp" "$1/$id" 2>/dev/null
  fi
  rm -rf "$tmp" "$1/$id/\${tmp##*/}"
  trap - EXIT HUP INT TERM
  ready "$1"
}

# A folder under $TMPDIR that only this user can write, so nobody can plant a runtime in it.
private_tmp() {
  tmp_cache=\${TMPDIR:-/tmp}/impact-$(id -u)
  mkdir -m 700 "$tmp_cache" 2>/dev/null
  [ -d "$tmp_cache" ] && [ ! -L "$tmp_cache" ] || return 1
  set -- $(ls -ldn "$tmp_cache")
  case $1 in d????w*|d???????w*) return 1 ;; esac
  [ "$3" = "$(id -u)" ]
}

home_cache=
if [ -n "\${XDG_CACHE_HOME:-}" ]; then
  home_cache=$XDG_CACHE_HOME/impact
elif [ -n "\${HOME:-}" ]; then
  home_cache=$HOME/.cache/impact
fi
if [ -n "$home_cache" ] && { ready "$home_cache" || unpack "$home_cache"; }; then
  root=$home_cache
elif private_tmp && { ready "$tmp_cache" || unpack "$tmp_cache"; }; then
  root=$tmp_cache
else
  echo "impact: cannot unpack its runtime into \${home_cache:-\\$HOME/.cache/impact} or" \\
    "\${TMPDIR:-/tmp}/impact-$(id -u) (read-only, full, or not this user's)" >&2
  exit ${LAUNCHER_FAILED}
fi
# No update check (Deno would look up its servers), and Deno's caches beside the runtime.
DENO_NO_UPDATE_CHECK=1
export DENO_NO_UPDATE_CHECK
if [ -z "\${DENO_DIR:-}" ]; then
  DENO_DIR=$root/$id/deno-dir
  export DENO_DIR
fi
# Source positions compiled with the code (and kept in Deno's code cache): else the first Error
# of a run (commander ends --version with one) makes V8 reparse the 170 kB entry module, 3 ms.
exec "$root/$id/deno" run -A --no-config --no-remote --no-npm \\
  --v8-flags=--no-enable-lazy-source-positions "$root/$id/impact.js" "$@"
exit ${LAUNCHER_FAILED}
`;
}

/**
 * The launcher's text, with the payload's offset (1-based, as `tail -c +N` counts) filled in.
 *
 * @param info The cache key and versions.
 * @returns The text; the payload starts right after it.
 */
function launcherScript(info: LauncherInfo): string {
  let offset = 1;
  let text = script(info, offset);
  // The offset's digits change the text's length: settle on a fixed point.
  while (new TextEncoder().encode(text).length + 1 !== offset) {
    offset = new TextEncoder().encode(text).length + 1;
    text = script(info, offset);
  }
  return text;
}

/**
 * The payload: a gzip'd tar of `files` followed by the `.complete` marker, which `tar -x`
 * writes last, so its presence means every file before it is whole.
 *
 * @param files The runtime and the bundle.
 * @returns The compressed bytes.
 */
export async function payload(files: TarFile[]): Promise<Uint8Array<ArrayBuffer>> {
  const marker: TarFile = { name: ".complete", mode: 0o644, data: new Uint8Array() };
  const chunks = tarChunks([...files, marker]);
  const stream = ReadableStream.from(chunks).pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Writes the launcher and its payload to `path` (through a temporary file and a rename, so a
 * running copy is never overwritten in place) and makes it executable.
 *
 * @param path Where the executable goes.
 * @param version impact's version.
 * @param denoVersion The runtime's version.
 * @param files The runtime (named `deno`, mode 0o755) and the bundle (`impact.js` and chunks).
 * @returns The cache key and the file's size in bytes.
 */
export async function writeLauncher(
  path: string,
  version: string,
  denoVersion: string,
  files: TarFile[],
): Promise<{ id: string; bytes: number }> {
  const data = await payload(files);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  const hash = [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const id = `${version}-${hash}`;
  const head = new TextEncoder().encode(launcherScript({ id, version, denoVersion }));
  const tmp = `${path}.tmp-${Deno.pid}`;
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o755 });
    try {
      for (const bytes of [head, data]) {
        for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
      }
    } finally {
      file.close();
    }
    await Deno.chmod(tmp, 0o755);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
  return { id, bytes: head.length + data.length };
}

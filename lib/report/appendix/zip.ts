/**
 * The raw log directory as a zip download. fflate writes the archive (headers, data
 * descriptors, central directory); the deflating is node:zlib's, which is native and runs
 * off the main thread, because fflate's own JavaScript deflate made 500 one-hour runs take
 * minutes (about 200 ms per 3.4 MB samples.jsonl against 10-25 ms).
 *
 * @module
 */
import { Zip, type ZipInputFile } from "fflate";
import { crc32, deflateRaw } from "node:zlib";

/** Zip timestamps are fixed so the same logs give the same bytes. */
const MTIME = new Date("2000-01-01T00:00:00Z");

function deflate(data: Uint8Array, level: number): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    deflateRaw(
      data,
      { level },
      (error, out) =>
        error
          ? reject(error)
          : resolve(new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength)),
    );
  });
}

/**
 * Zips a log directory's files under one folder.
 *
 * @param folder The folder name inside the zip (the run's page name).
 * @param files File names (relative to the log directory) and their bytes.
 * @param level Deflate level 1-9 (1 by default: logs compress about 9x even at 1, and fast).
 * @returns The zip archive.
 */
export async function zipLogDir(
  folder: string,
  files: Readonly<Record<string, Uint8Array>>,
  level = 1,
): Promise<Uint8Array> {
  const names = Object.keys(files).sort();
  const deflated = await Promise.all(names.map((name) => deflate(files[name]!, level)));
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else chunks.push(chunk);
  });
  names.forEach((name, i) => {
    const data = files[name]!;
    const entry: ZipInputFile = {
      filename: `${folder}/${name}`,
      size: data.length,
      crc: crc32(data),
      compression: 8,
      mtime: MTIME,
    };
    zip.add(entry);
    entry.ondata!(null, deflated[i]!, true);
  });
  zip.end();
  if (failure) throw failure;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

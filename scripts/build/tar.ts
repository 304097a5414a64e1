/**
 * A minimal ustar (POSIX tar) writer for the launcher's payload: regular files only, owner 0,
 * modification time 0, so the same inputs always give the same bytes (and the same cache key).
 * Every `tar` (GNU, BSD, busybox) reads it.
 *
 * @module
 */

/** One file of the archive. */
export interface TarFile {
  /** Relative path, at most 100 bytes. */
  name: string;
  /** Permission bits, e.g. 0o755. */
  mode: number;
  data: Uint8Array<ArrayBuffer>;
}

const BLOCK = 512;
const encoder = new TextEncoder();

function field(header: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.length > length) throw new Error(`Tar field ${JSON.stringify(text)} is too long`);
  header.set(bytes, offset);
}

/** An octal number, zero-padded to `length - 1` digits and NUL-terminated. */
function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, "0") + "\0";
}

function header(file: TarFile): Uint8Array<ArrayBuffer> {
  const h = new Uint8Array(BLOCK);
  field(h, 0, 100, file.name);
  field(h, 100, 8, octal(file.mode, 8));
  field(h, 108, 8, octal(0, 8)); // uid
  field(h, 116, 8, octal(0, 8)); // gid
  field(h, 124, 12, octal(file.data.length, 12));
  field(h, 136, 12, octal(0, 12)); // mtime
  field(h, 148, 8, "        "); // checksum, counted as spaces
  field(h, 156, 1, "0"); // regular file
  field(h, 257, 6, "ustar\0");
  field(h, 263, 2, "00");
  const sum = h.reduce((total, byte) => total + byte, 0);
  field(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/**
 * The archive's blocks, in order: each file's header, its data padded to 512 bytes, then the
 * two empty blocks that end an archive.
 *
 * @param files The files, in the order `tar -x` will write them.
 * @returns The chunks to write one after the other.
 */
export function* tarChunks(files: TarFile[]): Generator<Uint8Array<ArrayBuffer>> {
  for (const file of files) {
    if (file.data.length >= 8 ** 11) throw new Error(`${file.name} is too large for ustar`);
    yield header(file);
    yield file.data;
    const padding = (BLOCK - (file.data.length % BLOCK)) % BLOCK;
    if (padding > 0) yield new Uint8Array(padding);
  }
  yield new Uint8Array(2 * BLOCK);
}

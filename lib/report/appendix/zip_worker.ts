/**
 * A worker that zips log directories off the main thread, so deflating one run's logs
 * overlaps rendering the next run's page. Messages: `{ id, folder, files }` in,
 * `{ id, zip }` or `{ id, error }` out.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { zipLogDirHere } from "./zip.ts";

self.onmessage = async (
  event: MessageEvent<{ id: number; folder: string; files: Record<string, Uint8Array> }>,
) => {
  const { id, folder, files } = event.data;
  try {
    const zip = await zipLogDirHere(folder, files);
    self.postMessage({ id, zip }, [zip.buffer]);
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};

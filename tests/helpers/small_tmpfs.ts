/**
 * A small tmpfs for full-disk tests: mounted over a fresh temp folder (root on Linux only),
 * unmounted and removed on dispose. Where mounting is not permitted it gives undefined and the
 * test is skipped.
 *
 * @module
 */

/** A mounted tmpfs; `await using` unmounts it. */
export interface SmallTmpfs extends AsyncDisposable {
  path: string;
}

/** Whether this machine lets the tests mount a tmpfs (decided once, with a 64 KiB try). */
export const canMountTmpfs: boolean = await (async () => {
  const probe = await mountTmpfs(64 * 1024).catch(() => undefined);
  if (!probe) return false;
  await probe[Symbol.asyncDispose]();
  return true;
})();

/**
 * Mounts a tmpfs of `sizeBytes` over a new temp folder.
 *
 * @param sizeBytes Its size (rounded up to pages by the kernel).
 * @returns The mount, or undefined where mounting is not permitted.
 */
export async function mountTmpfs(sizeBytes: number): Promise<SmallTmpfs | undefined> {
  if (Deno.build.os !== "linux" || Deno.uid() !== 0) return undefined;
  const path = await Deno.makeTempDir({ prefix: "impact-tmpfs-" });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", path],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => undefined);
  if (!mount?.success) {
    await Deno.remove(path);
    return undefined;
  }
  return {
    path,
    async [Symbol.asyncDispose]() {
      await new Deno.Command("umount", { args: [path], stdout: "null", stderr: "null" }).output();
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** A folder this process may not write into; `await using` makes it writable and removes it. */
export interface UnwritableDir extends AsyncDisposable {
  path: string;
}

/**
 * Makes a folder that refuses new entries: mode 0555 for a normal user; for root (whom modes do
 * not stop) the immutable attribute where the file system has it (`chattr +i`).
 *
 * @returns The folder, or undefined where neither works (the test is then skipped).
 */
export async function unwritableDir(): Promise<UnwritableDir | undefined> {
  const path = await Deno.makeTempDir({ prefix: "impact-ro-" });
  const writable = () =>
    Deno.mkdir(`${path}/probe`).then(() => Deno.remove(`${path}/probe`)).then(
      () => true,
      () => false,
    );
  const chattr = (flag: string) =>
    new Deno.Command("chattr", { args: [flag, path], stdout: "null", stderr: "null" }).output()
      .catch(() => undefined);
  const dispose = async () => {
    await chattr("-i");
    await Deno.chmod(path, 0o755);
    await Deno.remove(path, { recursive: true });
  };
  await Deno.chmod(path, 0o555);
  if (await writable()) await chattr("+i");
  if (await writable()) {
    await dispose();
    return undefined;
  }
  return { path, [Symbol.asyncDispose]: dispose };
}

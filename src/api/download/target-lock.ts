import { open, readFile, unlink } from 'node:fs/promises';

/** Placeholder until the download engine's lock lands: an O_EXCL lock file, waited for while present. */
export async function lockTarget(
  to: string,
  options: { signal?: AbortSignal; onWait?: (holder: { pid: number }) => void } = {},
): Promise<{ release(): Promise<void> }> {
  const file = `${to}.part.lock`;
  let told = false;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid }));
      await handle.close();
      return { release: () => unlink(file).catch(() => undefined) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(JSON.parse(await readFile(file, 'utf8').catch(() => '{}')).pid);
      if (!told) options.onWait?.({ pid });
      told = true;
      if (options.signal?.aborted) throw new Error('aborted');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

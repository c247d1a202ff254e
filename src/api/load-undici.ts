/**
 * undici, loaded on first use. It is the heaviest import of the library (about 150 ms on a slow
 * 2-core machine, more than the rest of it), and `import { WanClient }` by itself, or a command
 * that fails before its first request, never needs it.
 */
let loading: Promise<typeof import('undici')> | undefined;

export function loadUndici(): Promise<typeof import('undici')> {
  // Bundled (dist/cli), a CommonJS package imported this way has only a default export.
  return (loading ??= import('undici').then((undici) =>
    'Agent' in undici ? undici : (undici as { default: typeof undici }).default,
  ));
}

/** A dispatcher made on first use: `make` runs once, with undici loaded. */
export function lazyDispatcher<D>(make: (undici: typeof import('undici')) => D): () => Promise<D> {
  let made: Promise<D> | undefined;
  return () => (made ??= loadUndici().then(make));
}

/**
 * Bundles the page (src/page/main.ts) for the browser with esbuild. Workspace packages resolve
 * to their TypeScript sources ('source' condition). The first-name lists are read here, in Node,
 * with the demo's own loader and handed to the page as the virtual module 'tapeflow:names', so
 * the page needs no file access and nothing is fetched at run time.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { readNames } from '@tapeflow/demo/data';

const pageDir = join(dirname(fileURLToPath(import.meta.url)), '../page');

/** `import names from 'tapeflow:names'` gives the demo's cleaned name list as a string[]. */
const namesPlugin: Plugin = {
  name: 'tapeflow-names',
  setup(b) {
    b.onResolve({ filter: /^tapeflow:names$/ }, (args) => ({ path: args.path, namespace: 'tapeflow-names' }));
    b.onLoad({ filter: /.*/, namespace: 'tapeflow-names' }, () => ({
      contents: JSON.stringify(readNames()),
      loader: 'json',
    }));
  },
};

/** The page's script, one ES module. */
export async function bundlePage(): Promise<string> {
  const out = await build({
    entryPoints: [join(pageDir, 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    plugins: [namesPlugin],
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return out.outputFiles[0].text;
}

export { pageDir };

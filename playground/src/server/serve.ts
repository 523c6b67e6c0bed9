/**
 * The playground's HTTP server: the page, its stylesheet and its bundled script, from 127.0.0.1
 * only. The bundle is built once, when the server starts.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { bundlePage, pageDir } from './bundle.js';

export interface Playground {
  url: string;
  close(): Promise<void>;
}

/** Starts the server on `port` (0: any free port) and resolves once it listens. */
export async function startPlayground(port = 0): Promise<Playground> {
  const files: Record<string, [type: string, body: string]> = {
    '/': ['text/html; charset=utf-8', await readFile(join(pageDir, 'index.html'), 'utf8')],
    '/style.css': ['text/css; charset=utf-8', await readFile(join(pageDir, 'style.css'), 'utf8')],
    '/bundle.js': ['text/javascript; charset=utf-8', await bundlePage()],
  };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    else res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

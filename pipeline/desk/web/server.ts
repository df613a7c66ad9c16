// `bulletin desk serve`: the desk page on HOST:PORT (loopback unless --listen says otherwise), on Node's HTTP
// server through @hono/node-server. It holds no file open between requests (the desk, delivery and release logs
// are opened per request), so the scheduler and the command line work beside it.
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '../../config.ts';
import { UsageError } from '../../errors.ts';
import { core, deskApp } from './app.ts';

export const DEFAULT_LISTEN = '127.0.0.1:8080';

export interface DeskServer {
  url: string;
  close(): Promise<void>;
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (loopback) -> host and port. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) throw new UsageError(`--listen '${text}' is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080)`);
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export async function startDeskServer(options: { dbPath: string; config: Config; listen: string; env: NodeJS.ProcessEnv; log: (line: string) => void }): Promise<DeskServer> {
  const { host, port } = parseListen(options.listen);
  const app = deskApp({ dbPath: options.dbPath, config: options.config, env: options.env, idleMinutes: options.config.desk.sessionIdleMinutes, log: options.log });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(started));
    started.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UsageError(`--listen ${options.listen}: the address is in use (another desk page?)`) : error.code === 'EADDRNOTAVAIL' ? new UsageError(`--listen ${options.listen}: not an address of this machine`) : error),
    );
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  // The rendering half of the desk is loaded after the page answers, so the first edition page does not wait for it.
  setImmediate(() => void core().catch((error: unknown) => options.log(`desk page: loading the desk core failed: ${String(error)}`)));
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

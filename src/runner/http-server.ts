// The `run` worker's HTTP endpoint, for orchestrators and monitoring: `/healthz` (the process
// answers), `/readyz` (runs are succeeding; 503 with the reason when not) and `/metrics`
// (Prometheus text). Read-only, no request bodies, nothing secret: safe to expose to a cluster.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SyncError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { Readiness } from './readiness.ts';

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  metrics: () => string;
  readiness: () => Readiness;
  logger?: Logger;
}

export interface HttpEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:9090`. */
  url: string;
  close(): Promise<void>;
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(head ? undefined : body);
}

function handler(options: HttpServerOptions, logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', false);
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    try {
      switch (path) {
        case '/healthz':
          send(res, 200, 'text/plain; charset=utf-8', 'ok\n', head);
          return;
        case '/readyz': {
          const readiness = options.readiness();
          send(res, readiness.ready ? 200 : 503, 'application/json', JSON.stringify(readiness) + '\n', head);
          return;
        }
        case '/metrics':
          send(res, 200, METRICS_CONTENT_TYPE, options.metrics(), head);
          return;
        default:
          send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz, /readyz or /metrics\n', head);
      }
    } catch (error) {
      logger.error({ err: error, path }, 'HTTP endpoint failed');
      send(res, 500, 'text/plain; charset=utf-8', 'internal error\n', head);
    }
  };
}

function urlOf(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpEndpoint> {
  const logger = options.logger ?? silentLogger();
  const server = createServer(handler(options, logger));
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new SyncError('HTTP_LISTEN', `cannot listen on ${options.host}:${options.port} for /healthz and /metrics (sync.http): ${error.message}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'HTTP endpoint error'));
  const url = urlOf(server);
  logger.info({ url }, 'serving /healthz, /readyz and /metrics');
  let closing: Promise<void> | undefined;
  return {
    url,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Probes use short requests; anything still open after a moment is cut.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      return closing;
    },
  };
}

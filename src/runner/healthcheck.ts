// The container's HEALTHCHECK without curl or a shell (the image is distroless): the CLI's hidden
// `healthcheck` command GETs the worker's own `/healthz` and turns the answer into an exit code.
import { request } from 'node:http';

/** The `/healthz` URL for the worker's HTTP settings; a wildcard listen address is probed on loopback. */
export function healthcheckUrl(http: { host: string; port: number }): string {
  let host = http.host.trim();
  if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::' || host === '[::]') host = '::1';
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  return `http://${host}:${http.port}/healthz`;
}

/** GETs the URL: 0 when it answers 2xx within the timeout, 1 otherwise (the reason goes to `out`). */
export function healthcheck(url: string, timeoutMs = 3_000, out: { write(text: string): unknown } = process.stderr): Promise<number> {
  return new Promise<number>((resolve) => {
    let settled = false;
    const finish = (code: number, message?: string): void => {
      if (settled) return;
      settled = true;
      if (message) out.write(`healthcheck ${url}: ${message}\n`);
      resolve(code);
    };
    let req;
    try {
      req = request(url, { method: 'GET', timeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs), agent: false }, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        res.on('end', () => finish(status >= 200 && status < 300 ? 0 : 1, status >= 200 && status < 300 ? undefined : `HTTP ${status}`));
        res.on('error', (error) => finish(1, error.message));
      });
    } catch (error) {
      finish(1, error instanceof Error ? error.message : String(error));
      return;
    }
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => finish(1, error.message));
    req.end();
  });
}

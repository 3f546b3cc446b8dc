import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request. */
export type Fault = 'pass' | 'slow-down' | 'internal-error' | 'cut-body' | 'access-denied';

export interface RequestInfo {
  method: string;
  url: string;
  /** 1-based number of this request through the proxy. */
  count: number;
}

const ERROR_BODIES: Record<Exclude<Fault, 'pass' | 'cut-body'>, [number, string, string]> = {
  'slow-down': [503, 'SlowDown', 'Please reduce your request rate.'],
  'internal-error': [500, 'InternalError', 'We encountered an internal error. Please try again.'],
  'access-denied': [403, 'AccessDenied', 'Access Denied'],
};

/**
 * A loopback HTTP proxy in front of an S3 endpoint that injects faults: S3 error responses
 * (503 SlowDown, 500, 403), or a response whose body is cut in half with the connection dropped.
 */
export async function startFaultProxy(target: string, decide: (request: RequestInfo) => Fault) {
  const upstream = new URL(target);
  let count = 0;
  const server = http.createServer((request, response) => {
    const info = { method: request.method ?? 'GET', url: request.url ?? '/', count: ++count };
    const fault = decide(info);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (fault !== 'pass' && fault !== 'cut-body') {
        const [status, code, message] = ERROR_BODIES[fault];
        response.writeHead(status, { 'content-type': 'application/xml' });
        response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
        return;
      }
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: info.method, path: info.url, headers: request.headers },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            const all = Buffer.concat(body);
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            if (fault === 'cut-body') {
              response.write(all.subarray(0, Math.floor(all.length / 2)));
              response.socket?.destroy();
            } else {
              response.end(all);
            }
          });
        },
      );
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return count;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Git's smart HTTP protocol on 127.0.0.1, a random port: every request is handed to
 * `git http-backend` as a CGI program, as a GitLab instance's web server does for clones. It
 * serves every repository below `projectRoot` (`<group>/<project>.git`), read-only.
 */
export interface GitServer {
  /** `http://127.0.0.1:<port>`, the base of every repository's URL. */
  url: string;
  stop(): Promise<void>;
}

export async function startGitServer(projectRoot: string): Promise<GitServer> {
  const server = createServer((request, response) => serveCgi(projectRoot, request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function serveCgi(projectRoot: string, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : (value ?? '');
  };
  // The CGI variables git http-backend reads (RFC 3875, and Git-Protocol for protocol v2).
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      REQUEST_METHOD: request.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: header('content-type'),
      ...(request.headers['content-length'] === undefined ? {} : { CONTENT_LENGTH: header('content-length') }),
      HTTP_CONTENT_ENCODING: header('content-encoding'),
      GIT_PROTOCOL: header('git-protocol'),
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  request.pipe(backend.stdin);
  // The CGI answer: header lines (`Status:` sets the status), a blank line, then the body.
  let head = Buffer.alloc(0);
  let bodyStarted = false;
  backend.stdout.on('data', (chunk: Buffer) => {
    if (bodyStarted) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else response.setHeader(name, value);
    }
    response.writeHead(status);
    bodyStarted = true;
    response.write(head.subarray(end + 4));
  });
  backend.on('close', (code) => {
    if (!bodyStarted) response.writeHead(code === 0 ? 200 : 500);
    response.end();
  });
}

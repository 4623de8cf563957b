// Byte-exact HTTP requests to an app on a loopback port: unnormalized paths, no default Content-Type, raw bodies.
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RawRequest {
  method: string;
  /** Sent as-is: double slashes, `%2e` and query strings included. */
  path: string;
  headers: Record<string, string>;
  /** Undefined sends no body and no Content-Length. */
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RawServer {
  send(request: RawRequest): Promise<RawResponse>;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 once; every request opens its own connection so a refused one cannot poison the next. */
export async function listenRaw(app: Express): Promise<RawServer> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    send: (request) =>
      new Promise<RawResponse>((resolve, reject) => {
        const headers: Record<string, string | number> = { ...request.headers };
        if (request.body !== undefined) headers['Content-Length'] = request.body.length;
        const req = http.request(
          { host: '127.0.0.1', port, method: request.method, path: request.path, headers, agent: false },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(request.body);
      }),
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

// A spawned example server: resolves with its URL once it prints `listening on http://...`, or rejects with what it
// printed when it exits first or does not start in time.
import type { ChildProcess } from 'node:child_process';

export function waitForListening(
  child: ChildProcess,
  label: string,
  timeoutMs: number,
  output: string[] = [],
): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label} did not start within ${timeoutMs} ms:\n${output.join('')}`)),
      timeoutMs,
    );
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      const match = /listening on (http:\/\/\S+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code} before listening:\n${output.join('')}`));
    });
  });
}

/** A port nobody listens on right now, for a spawned server that reads `PORT`. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

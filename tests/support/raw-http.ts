import { connect } from 'node:net';

/**
 * One request over a bare socket, answered as the exact bytes the server wrote (the
 * Date header's value masked): for comparing two responses byte for byte, which a
 * client library that parses and normalizes headers cannot do.
 */
export function rawRequest(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<string> {
  const { hostname, port } = new URL(base);
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve(raw.replace(/\r\nDate: [^\r]+\r\n/, '\r\nDate: <date>\r\n'));
    });
    socket.on('error', reject);
    socket.write(`${method} ${path} HTTP/1.1\r\nHost: test\r\n${extra}Connection: close\r\n\r\n`);
  });
}

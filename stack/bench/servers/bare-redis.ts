// Benchmark server (2): node:http doing one ioredis GET per request for the same bytes.
// What a one-tier Redis cache costs; groundwork's L1 hit should be no slower.
import { Redis } from 'ioredis';
import { createServer } from 'node:http';

const redis = new Redis(process.env.REDIS_URL ?? '', { enableAutoPipelining: false });
const key = process.env.BODY_KEY ?? 'bench:project';

createServer((req, res) => {
  redis.getBuffer(key).then(
    (body) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(body);
    },
    () => {
      res.writeHead(503);
      res.end();
    },
  );
}).listen(Number(process.env.PORT), '127.0.0.1');

import { runCli } from './commands.js';

// The stack's backup service and `make backup|backups|restore` run this; see commands.ts.
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    stop.abort();
  });
}
process.exitCode = await runCli(process.argv.slice(2), process.env, {
  out: (line) => {
    process.stdout.write(`${line}\n`);
  },
  stop: stop.signal,
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { reporterFor } from '../../src/ui/progress.js';

function fakeTerminal(columns: number): PassThrough & { isTTY: boolean; columns: number; output(): string } {
  const stream = new PassThrough() as any;
  let out = '';
  stream.on('data', (d: Buffer) => (out += d));
  stream.isTTY = true;
  stream.columns = columns;
  stream.output = () => out;
  // the cursor methods of a tty.WriteStream, writing what a terminal would receive
  stream.cursorTo = (x: number) => stream.write(`\x1b[${x + 1}G`);
  stream.clearLine = () => stream.write('\x1b[2K');
  stream.moveCursor = (_dx: number, dy: number) => stream.write(dy < 0 ? `\x1b[${-dy}A` : '');
  return stream;
}

test('progress: plain lines without a TTY, and on a terminal that reports no width', async () => {
  const term = fakeTerminal(0);
  const r = await reporterFor({ stream: term as unknown as NodeJS.WriteStream });
  r.start('downloading');
  for (let i = 0; i <= 1000; i++) r.progress(i / 1000, 'downloading');
  r.succeed('downloaded');
  r.warn('careful');
  await new Promise((res) => setImmediate(res));
  assert.equal(term.output(), '- downloading\n✔ downloaded\n! careful\n');
});

test('progress: a spinner on a terminal (cursor control, then the success line) stays small under many updates', async () => {
  const term = fakeTerminal(100);
  const r = await reporterFor({ stream: term as unknown as NodeJS.WriteStream });
  r.start('downloading');
  for (let i = 0; i <= 100_000; i++) r.progress(i / 100_000, 'downloading');
  r.succeed('downloaded');
  await new Promise((res) => setImmediate(res));
  const out = term.output();
  // eslint-disable-next-line no-control-regex -- terminal escape sequences are what is stripped
  assert.match(out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''), /✔ downloaded\n$/);
  assert.ok(out.length < 20_000, `output stays small (${out.length} bytes for 100,001 progress calls)`);
});

test('progress: credentials in URLs never reach the output, whichever message carries them', async () => {
  const stream = fakeTerminal(0);
  const r = await reporterFor({ stream: stream as any });
  r.succeed('cluster https://admin:hunter2@127.0.0.1:6443 (context x) is reachable');
  r.fail('cannot download from http://u:p@127.0.0.1:9/x and https://token@mirror.invalid/y');
  assert.equal(stream.output(), '✔ cluster https://127.0.0.1:6443 (context x) is reachable\n✘ cannot download from http://127.0.0.1:9/x and https://mirror.invalid/y\n');
});

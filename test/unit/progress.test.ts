import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { reporterFor } from '../../src/ui/progress.js';
import { testIo } from '../helpers/io.js';

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
  const r = await reporterFor(testIo({ stderr: term }));
  r.start('downloading');
  for (let i = 0; i <= 1000; i++) r.progress(i / 1000, 'downloading');
  r.succeed('downloaded');
  r.warn('careful');
  await new Promise((res) => setImmediate(res));
  assert.equal(term.output(), '- downloading\n✔ downloaded\n! careful\n');
});

test('progress: a spinner on a terminal (cursor control, then the success line) stays small under many updates', async () => {
  const term = fakeTerminal(100);
  const r = await reporterFor(testIo({ stderr: term }));
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
  const r = await reporterFor(testIo({ stderr: stream }));
  r.succeed('cluster https://admin:hunter2@127.0.0.1:6443 (context x) is reachable');
  r.fail('cannot download from http://u:p@127.0.0.1:9/x and https://token@mirror.invalid/y');
  assert.equal(stream.output(), '✔ cluster https://127.0.0.1:6443 (context x) is reachable\n✘ cannot download from http://127.0.0.1:9/x and https://mirror.invalid/y\n');
});

test('a cluster\'s text in an error or a progress line cannot drive the terminal or forge a line (a CI annotation)', async () => {
  const { describeError, CheckFailedError } = await import('../../src/ui/errors.js');
  const hostile = 'denied by webhook: \x1b]0;owned\x07\x1b[2J::warning::x\n::error file=app.yaml::forged annotation';
  const { lines } = describeError(new CheckFailedError(hostile), false);
  assert.deepEqual(lines, ['Error: denied by webhook: \\x1b]0;owned\\x07\\x1b[2J::warning::x']);
  const all = describeError(new CheckFailedError(`first\n${hostile}`, { cause: new Error(hostile) }), true).lines;
  const control = (t: string) => [...t].some((c) => c.charCodeAt(0) < 0x20);
  for (const line of all) assert.equal(control(line), false, `no control character in ${JSON.stringify(line)}`);
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  (stream as unknown as PassThrough).on('data', (d) => (out += d));
  const reporter = await reporterFor(testIo({ stderr: stream as any }));
  reporter.info(`event: ${hostile}`);
  reporter.warn(hostile);
  assert.equal(out.split('\n').filter(Boolean).length, 2, 'one line per event');
  assert.equal(control(out.replace(/\n/g, '')), false);
  assert.doesNotMatch(out, /^::error/m);
});

test('SARIF artifact URIs are percent-encoded per path segment (a # or a space does not cut the path)', async () => {
  const { artifactUri, formatSarif } = await import('../../src/ui/sarif.js');
  assert.equal(artifactUri('deploy/my app/v#2 100%.yaml'), 'deploy/my%20app/v%232%20100%25.yaml');
  assert.equal(artifactUri('a\\b.yaml'), 'a/b.yaml');
  const log = JSON.parse(formatSarif({ name: 'meshctl', version: '0' }, [{ id: 'X' }], [{ ruleId: 'X', level: 'error', message: 'm', file: 'a b/c?.yaml', line: 3 }]));
  assert.equal(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'a%20b/c%3F.yaml');
});

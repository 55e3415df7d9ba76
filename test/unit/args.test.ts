import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkDnsLabel, checkRe2, checkServiceName, parseDuration, parseLabels, parseMatches, parsePercent, parsePort, parseWeights,
} from '../../src/generate/args.js';
import { UsageError } from '../../src/ui/errors.js';
import { durationMs } from '../../src/manifests/syntax.js';

const usage = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: unknown) => e instanceof UsageError && pattern.test(e.message));

test('weights: the three accepted spellings give the same result', () => {
  const expected = [{ version: 'v1', weight: 90 }, { version: 'v2', weight: 10 }];
  assert.deepEqual(parseWeights(['v1=90', 'v2=10']), expected);
  assert.deepEqual(parseWeights(['v1=90,v2=10']), expected);
  assert.deepEqual(parseWeights(['v1=90%', 'v2=10%']), expected);
  assert.deepEqual(parseWeights(['v2=100']), [{ version: 'v2', weight: 100 }]);
  assert.deepEqual(parseWeights(['v1=0', 'v2=100']), [{ version: 'v1', weight: 0 }, { version: 'v2', weight: 100 }]);
});

test('weights: each rule has its own message', () => {
  usage(() => parseWeights(['v1=90', 'v2=20']), /add up to 110; they must add up to 100/);
  usage(() => parseWeights(['v1=-10', 'v2=110']), /"v1=-10".*whole number from 0 to 100/);
  usage(() => parseWeights(['v1=50.5', 'v2=49.5']), /"v1=50.5".*whole number/);
  usage(() => parseWeights(['v1=50', 'v1=50']), /version "v1" is given more than once/);
  usage(() => parseWeights(['v1']), /expected VERSION=WEIGHT/);
  usage(() => parseWeights(['=100']), /expected VERSION=WEIGHT/);
  usage(() => parseWeights(['V1=100']), /not a valid DNS-1123 label/);
  usage(() => parseWeights(['v1=101']), /whole number from 0 to 100/);
  usage(() => parseWeights([]), /at least one/);
});

test('durations: Go-style durations of at least 1ms', () => {
  assert.equal(parseDuration('t', '500ms'), '500ms');
  assert.equal(parseDuration('t', '1m30s'), '1m30s');
  assert.equal(durationMs('1m30s'), 90_000);
  assert.equal(durationMs('1.5s'), 1500);
  usage(() => parseDuration('--delay', '7x'), /--delay "7x" is not a duration/);
  usage(() => parseDuration('--delay', '7'), /is not a duration/);
  usage(() => parseDuration('--delay', '-1s'), /is not a duration/);
  usage(() => parseDuration('--delay', '500us'), /too short \(the minimum is 1ms\)/);
});

test('percent, ports and names', () => {
  assert.equal(parsePercent('p', '10'), 10);
  assert.equal(parsePercent('p', '0.5'), 0.5);
  assert.equal(parsePercent('p', '100%'), 100);
  usage(() => parsePercent('--percent', '101'), /"101" is over 100/);
  usage(() => parsePercent('--percent', '-1'), /not a number from 0 to 100/);
  assert.equal(parsePort('p', '9080'), 9080);
  usage(() => parsePort('--port', '0'), /from 1 to 65535/);
  usage(() => parsePort('--port', '70000'), /from 1 to 65535/);
  assert.equal(checkDnsLabel('namespace', 'bookinfo'), 'bookinfo');
  usage(() => checkDnsLabel('namespace', 'Book_Info'), /namespace "Book_Info" is not a valid DNS-1123 label/);
  usage(() => checkDnsLabel('namespace', 'a'.repeat(64)), /DNS-1123/);
  usage(() => checkServiceName('9reviews'), /not a valid Service name/);
});

test('labels', () => {
  assert.deepEqual(parseLabels('--selector', ['app=ratings', 'tier=backend,version=v1']), { app: 'ratings', tier: 'backend', version: 'v1' });
  assert.deepEqual(parseLabels('--selector', ['app.kubernetes.io/name=x']), { 'app.kubernetes.io/name': 'x' });
  usage(() => parseLabels('--selector', ['app']), /expected KEY=VALUE/);
  usage(() => parseLabels('--selector', ['app=a b']), /expected KEY=VALUE/);
});

test('matches: exact, prefix and regex on headers, query and uri', () => {
  assert.deepEqual(parseMatches(['header:end-user=jason']), { headers: { 'end-user': { exact: 'jason' } } });
  assert.deepEqual(parseMatches(['header:User-Agent^=Mozilla', 'uri~=/api/v[0-9]+/.*', 'method=GET', 'query:debug=1']), {
    headers: { 'user-agent': { prefix: 'Mozilla' } },
    uri: { regex: '/api/v[0-9]+/.*' },
    method: { exact: 'GET' },
    queryParams: { debug: { exact: '1' } },
  });
  usage(() => parseMatches(['cookie:x=1']), /--match "cookie:x=1": expected/);
  usage(() => parseMatches(['header=1']), /header needs a name/);
  usage(() => parseMatches(['uri:x=/a']), /uri takes no name/);
  usage(() => parseMatches(['uri=api']), /must start with \//);
  usage(() => parseMatches(['header:x=']), /value is empty/);
  usage(() => parseMatches(['uri=/a', 'uri=/b']), /matched more than once/);
  usage(() => parseMatches(['header:x~=(a']), /invalid regular expression/);
  usage(() => parseMatches(['header:x~=(?=a)b']), /RE2/);
  usage(() => parseMatches(['header:bad header=1']), /not a valid header name/);
});

test('RE2 check accepts ordinary regexes', () => {
  checkRe2('x', '^/api/(v1|v2)/[a-z]+$');
  usage(() => checkRe2('x', '(a)\\1'), /backreferences/);
});

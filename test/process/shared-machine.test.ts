/**
 * Safe on a shared machine (issue 24): the state directory is private and refused when others can write it; the
 * release mirror survives any request; kubeconfig writes hold kubectl's lock, use an unpredictable exclusive temporary
 * file, follow links and keep mode and owner; processes are signalled by identity (pid and start time, owner), never by
 * name; one create/up/delete per cluster name at a time. The second user is `nobody` (uid 65534), through `setpriv`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { addToKubeconfig, removeFromKubeconfig } from '../../src/cluster/kubeconfig.js';
import { intent } from '../../src/cluster/live-apply.js';
import { withLockFile } from '../../src/cluster/lock-file.js';
import { isRecordedProcess, recordOf, signalRecorded } from '../../src/cluster/processes.js';
import { privateStateDir } from '../../src/cluster/state-dir.js';
import { serveMirror } from '../../src/providers/local/release.js';
import { runCli } from '../helpers/cli.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const NOBODY = 65534;
const root = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const asNobody = (args: string[]) => spawn('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', ...args], { stdio: 'ignore' });
const running = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;
const sleeper = (args: string[] = []) => spawn('sleep', ['60', ...args], { stdio: 'ignore' });
/** Waits until the process runs (as `uid`, for one that setpriv switches to nobody, and as what it execs). */
const waitStarted = async (p: ChildProcess, uid = process.getuid?.() ?? 0, comm = 'sleep') => {
  const ready = () => {
    try {
      return statSync(`/proc/${p.pid}`).uid === uid && readFileSync(`/proc/${p.pid}/comm`, 'utf8').trim() === comm;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 200 && !ready(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(ready(), `process ${p.pid} started as uid ${uid}`);
};
const entry = (name: string) => ({ name, server: 'https://127.0.0.1:1', ca: 'CA', cert: 'CERT', key: 'KEY' });

test('state dir: made 0700 at every level, an existing one of ours tightened; refused when others can write it, it is another user\'s, or a link', { skip: !root && 'needs root (chown)' }, () => {
  const base = tmp('meshctl-sd-');
  const env = { MESHCTL_STATE_DIR: join(base, 'state') };
  const dir = privateStateDir(join(base, 'state', 'local-clusters', 'c1'), env);
  for (const d of ['state', 'state/local-clusters', 'state/local-clusters/c1']) assert.equal(statSync(join(base, d)).mode & 0o777, 0o700, d);
  chmodSync(join(base, 'state'), 0o755);
  privateStateDir(dir, env);
  assert.equal(statSync(join(base, 'state')).mode & 0o777, 0o700, 'readable by others: tightened');

  chmodSync(join(base, 'state', 'local-clusters'), 0o777);
  assert.throws(() => privateStateDir(dir, env), /state directory .*local-clusters is writable by its group .*mode 777.*MESHCTL_STATE_DIR/);
  chmodSync(join(base, 'state', 'local-clusters'), 0o700);
  chownSync(join(base, 'state', 'local-clusters', 'c1'), NOBODY, NOBODY);
  assert.throws(() => privateStateDir(dir, env), /c1 is owned by another user \(uid 65534\)/);

  const linked = { MESHCTL_STATE_DIR: join(base, 'link') };
  symlinkSync(join(base, 'state'), join(base, 'link'));
  assert.throws(() => privateStateDir(join(base, 'link', 'up'), linked), /link is a symbolic link/);
  // a world-writable parent without the sticky bit lets others swap the state dir out
  const open = tmp('meshctl-sd-open-');
  chmodSync(open, 0o777);
  assert.throws(() => privateStateDir(join(open, 'state'), { MESHCTL_STATE_DIR: join(open, 'state') }), /writable by others without the sticky bit/);
  // /tmp-like (sticky): fine, as long as the state dir itself is ours
  chmodSync(open, 0o1777);
  assert.equal(privateStateDir(join(open, 'state'), { MESHCTL_STATE_DIR: join(open, 'state') }), join(open, 'state'));
});

test('state dir: the CLI refuses a group-writable MESHCTL_STATE_DIR with one line (exit 64) before it writes anything', async () => {
  const state = tmp('meshctl-sd-cli-');
  chmodSync(state, 0o770);
  const res = await runCli(['down', '--name', 'nothing'], { env: { MESHCTL_STATE_DIR: state } });
  assert.equal(res.code, 64, res.stderr);
  assert.match(res.stderr, /^Error: meshctl's state directory .* is writable by its group \(mode 770\)/m);
  assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
  assert.deepEqual(readdirSync(state), [], 'nothing written');
});

test('release mirror: malformed, hostile and odd requests are answered, and it still serves afterwards', async () => {
  const dir = tmp('meshctl-mirror-');
  writeFileSync(join(dir, 'releases.json'), '[]');
  const mirror = await serveMirror(dir);
  const port = Number(new URL(mirror.url).port);
  const ask = (method: string, path: string) => new Promise<number>((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    req.end();
  });
  try {
    const hostile = ['/%', '/%E0%A4%A', '/%00', '/releases.json%00.x', '/releases.json/x', `/${'a'.repeat(5000)}`, '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
      '//etc/passwd', '/.', '/%ff%fe', '/%c0%ae%c0%ae/'];
    const codes = [];
    for (const p of hostile) codes.push(await ask('GET', p));
    for (const c of codes) assert.ok([400, 404].includes(c), `answered ${codes.join(',')}`);
    assert.equal(await ask('GET', '/releases.json?%'), 200, 'a query is not part of the path');
    // raw bytes no HTTP client would send: a malformed request line, a non-ASCII path, a header without a colon
    for (const raw of ['GARBAGE\r\n\r\n', 'GET /\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n', 'GET / HTTP/1.1\r\nbroken header\r\n\r\n', '\u0000\u0001\u0002\r\n\r\n']) {
      await new Promise<void>((resolve) => {
        const sock = connect(port, '127.0.0.1', () => sock.end(Buffer.from(raw, 'latin1')));
        sock.on('data', () => {}).on('close', () => resolve()).on('error', () => resolve());
      });
    }
    assert.equal(await ask('DELETE', '/releases.json'), 405);
    assert.equal(await ask('HEAD', '/releases.json'), 200);
    // a seeded run of random byte paths (bounded: 300)
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 300; i++) {
      const path = '/' + Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => '%' + Math.floor(rnd() * 256).toString(16).padStart(2, '0').slice(0, rnd() < 0.2 ? 1 : 2)).join('');
      assert.ok([400, 404].includes(await ask('GET', path)), path);
    }
    assert.equal(await ask('GET', '/releases.json'), 200, 'still serving');
  } finally {
    await mirror.close();
  }
});

test('kubeconfig: 12 concurrent removals (separate processes) each take effect; 12 concurrent additions all stay', async () => {
  const path = join(tmp('meshctl-kc-'), 'config');
  const names = Array.from({ length: 12 }, (_, i) => `c${i}`);
  for (const n of names) await addToKubeconfig(path, entry(n));
  const mod = fileURLToPath(new URL('../../src/cluster/kubeconfig.js', import.meta.url));
  const run = (fn: string, arg: string) => new Promise<number | null>((resolve) => {
    const script = `const m = await import(${JSON.stringify(mod)}); await m.${fn}(${JSON.stringify(path)}, ${arg});`;
    spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }).on('close', resolve);
  });
  assert.deepEqual(await Promise.all(names.map((n) => run('removeFromKubeconfig', JSON.stringify(n)))), names.map(() => 0));
  assert.deepEqual(parse(readFileSync(path, 'utf8')).contexts, [], 'every context removed');
  assert.deepEqual(await Promise.all(names.map((n) => run('addToKubeconfig', JSON.stringify(entry(`n-${n}`))))), names.map(() => 0));
  assert.deepEqual(parse(readFileSync(path, 'utf8')).contexts.map((c: any) => c.name).sort(), names.map((n) => `n-${n}`).sort());
  assert.deepEqual(readdirSync(join(path, '..')), ['config'], 'no lock or temporary file left');
});

test('kubeconfig: a planted file or link at the old temp name is not written through; a link is followed and stays a link', async () => {
  const dir = tmp('meshctl-kc-');
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious\n');
  const path = join(dir, 'config');
  symlinkSync(victim, `${path}.meshctl-${process.pid}.tmp`);
  await addToKubeconfig(path, entry('a'));
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the planted link\'s target is untouched');
  assert.equal(lstatSync(path).isSymbolicLink(), false);
  assert.equal(statSync(path).mode & 0o777, 0o600, 'a new kubeconfig is 0600');

  const real = join(dir, 'real-config');
  writeFileSync(real, 'apiVersion: v1\nkind: Config\n', { mode: 0o640 });
  const link = join(dir, 'linked-config');
  symlinkSync(real, link);
  await addToKubeconfig(link, entry('b'));
  assert.equal(readlinkSync(link), real, 'the link stays a link');
  assert.equal(parse(readFileSync(real, 'utf8'))['current-context'], 'b', 'its target got the entry');
  assert.equal(statSync(real).mode & 0o777, 0o640, 'the mode is kept');
});

test('kubeconfig: a user\'s file edited by root stays the user\'s; a new one in their directory is theirs', { skip: !root && 'needs root (chown)' }, async () => {
  const dir = tmp('meshctl-kc-');
  const path = join(dir, 'config');
  writeFileSync(path, 'apiVersion: v1\nkind: Config\n', { mode: 0o600 });
  chownSync(path, NOBODY, NOBODY);
  await addToKubeconfig(path, entry('a'));
  assert.equal(statSync(path).uid, NOBODY);
  assert.equal(statSync(path).gid, NOBODY);
  const home = tmp('meshctl-home-');
  chownSync(home, NOBODY, NOBODY);
  await addToKubeconfig(join(home, '.kube', 'config'), entry('a'));
  assert.equal(statSync(join(home, '.kube')).uid, NOBODY, 'the .kube directory made is theirs');
  assert.equal(statSync(join(home, '.kube', 'config')).uid, NOBODY);
  assert.equal(await removeFromKubeconfig(path, 'a'), true);
  assert.equal(statSync(path).uid, NOBODY);
});

test('kubeconfig without a current context (what delete and down leave): version shows the client, analyze FILE analyzes the files', async () => {
  const dir = tmp('meshctl-kc-');
  const path = join(dir, 'config');
  await addToKubeconfig(path, entry('gone'));
  await addToKubeconfig(path, entry('other'));
  await removeFromKubeconfig(path, 'other');
  await removeFromKubeconfig(path, 'gone');
  const env = { KUBECONFIG: path };
  const version = await runCli(['version'], { env });
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stderr, /no cluster configured: the kubeconfig has no current context; only the client version is shown/);
  const file = join(dir, 'vs.yaml');
  writeFileSync(file, 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: default}\nspec: {selector: {istio: ingressgateway}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]}\n');
  const analyze = await runCli(['analyze', file], { env });
  assert.notEqual(analyze.code, 64, analyze.stderr);
  assert.match(analyze.stderr, /no cluster configured: the kubeconfig has no current context; analyzing the files only/);
});

test('processes: a record matches only the same process (pid and start time), alive, ours; never pid 1', { skip: !root || !hasSetpriv ? 'needs root and setpriv' : false }, async () => {
  const mine = sleeper();
  const theirs = asNobody(['sleep', '60']);
  try {
    await waitStarted(mine);
    await waitStarted(theirs, NOBODY);
    const rec = recordOf(mine.pid!)!;
    assert.equal(isRecordedProcess(rec), true);
    assert.equal(isRecordedProcess({ ...rec, start: rec.start + 1 }), false, 'another start time: a reused pid');
    assert.equal(isRecordedProcess(recordOf(1)), false, 'never pid 1');
    assert.equal(isRecordedProcess({ pid: 0, start: 0 }), false);
    const other = recordOf(theirs.pid!)!;
    assert.equal(isRecordedProcess(other), false, 'another user\'s process');
    assert.equal(signalRecorded(other, 'SIGKILL'), false);
    assert.equal(signalRecorded({ ...rec, start: rec.start + 1 }, 'SIGKILL', { group: true }), false);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(running(mine) && running(theirs), true, 'neither was signalled');
    assert.equal(signalRecorded(rec, 'SIGKILL'), true);
  } finally {
    mine.kill('SIGKILL');
    theirs.kill('SIGKILL');
  }
});

test('cluster delete: kills nothing by name and nothing a stale record names (probec1 leaves probec11\'s and another user\'s processes alone)', { skip: !root || !hasSetpriv ? 'needs root and setpriv' : false }, async () => {
  const state = tmp('meshctl-state-');
  const clusters = join(state, 'local-clusters');
  mkdirSync(join(clusters, 'probec1'), { recursive: true, mode: 0o700 });
  mkdirSync(join(clusters, 'probec11'), { recursive: true, mode: 0o700 });
  // a process naming the other cluster's directory (the old substring match took it for probec1's)
  const named = sleeper();
  const namedByDir = spawn('sh', ['-c', 'sleep 60; : "$0"', join(clusters, 'probec11', 'control-plane')], { stdio: 'ignore' });
  const theirs = asNobody(['sleep', '60']);
  try {
    await waitStarted(named);
    await waitStarted(theirs, NOBODY);
    await waitStarted(namedByDir, process.getuid?.() ?? 0, 'sh');
    // a stale record: the supervisor's pid now belongs to another user's process, the plane's to ours with another start time
    writeFileSync(join(clusters, 'probec1', 'ready.json'), JSON.stringify({
      supervisor: recordOf(theirs.pid!), plane: { ...recordOf(named.pid!)!, start: 1, pidNamespace: 'pid:[1]' }, port: 1, nodes: 1,
    }));
    const kubeconfig = join(tmp('meshctl-kc-'), 'config');
    const res = await runCli(['cluster', 'delete', 'probec1', '--provider', 'local', '--kubeconfig', kubeconfig], { env: { MESHCTL_STATE_DIR: state }, timeoutMs: 60_000 });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(existsSync(join(clusters, 'probec1')), false, 'its state is removed');
    assert.equal(existsSync(join(clusters, 'probec11')), true);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(running(namedByDir), true, 'probec11\'s process runs');
    assert.equal(running(theirs), true, 'another user\'s process runs');
    assert.equal(running(named), true, 'a reused pid is not killed');
  } finally {
    for (const p of [named, namedByDir, theirs]) p.kill('SIGKILL');
  }
});

test('lock: two processes holding one lock never overlap; a lock left by a dead meshctl is taken over; another program\'s is waited for, then named', async () => {
  const dir = tmp('meshctl-lock-');
  const lock = join(dir, 'x.lock');
  const log = join(dir, 'log');
  const mod = fileURLToPath(new URL('../../src/cluster/lock-file.js', import.meta.url));
  const script = (id: string) => `import { appendFileSync } from 'node:fs'; const m = await import(${JSON.stringify(mod)});
    for (let i = 0; i < 5; i++) await m.withLockFile(${JSON.stringify(lock)}, async () => {
      appendFileSync(${JSON.stringify(log)}, '${id}+'); await new Promise((r) => setTimeout(r, 15)); appendFileSync(${JSON.stringify(log)}, '${id}-');
    });`;
  const codes = await Promise.all(['a', 'b', 'c'].map((id) => new Promise((resolve) =>
    spawn(process.execPath, ['--input-type=module', '-e', script(id)], { stdio: 'inherit' }).on('close', resolve))));
  assert.deepEqual(codes, [0, 0, 0]);
  const marks = readFileSync(log, 'utf8').match(/[abc][+-]/g)!;
  assert.equal(marks.length, 30);
  for (let i = 0; i < marks.length; i += 2) assert.equal(marks[i + 1], `${marks[i][0]}-`, `held by one at a time: ${marks.join(' ')}`);

  writeFileSync(lock, JSON.stringify({ pid: 999_999_999, start: 1 }));
  assert.equal(await withLockFile(lock, async () => 'taken over', { timeoutMs: 2000 }), 'taken over');
  assert.equal(existsSync(lock), false, 'removed after use');
  writeFileSync(lock, '');
  let waited = '';
  await assert.rejects(withLockFile(lock, async () => 'never', { timeoutMs: 300, onWait: (who) => (waited = who) }), /x\.lock is held by another program: wait for it to finish, or remove the file/);
  assert.equal(waited, 'another program');
});

test('apply intent: only the fields meshctl owns or changes; a field owned whole (atomic struct, list, scalar) is sent whole', () => {
  const live = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n', labels: { app: 'd', team: 'x' } },
    spec: { replicas: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } } }, paused: false },
  };
  // meshctl owns the selector (atomic: an entry without members), replicas and its label; `team` and `paused` are another's
  const owned = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:selector': {}, 'f:replicas': {}, 'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {} } } } } };
  const result = structuredClone(live);
  result.spec.replicas = 3;
  assert.deepEqual(intent(result, live, owned), {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n', labels: { app: 'd' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } } } },
  });
  // owning nothing yet: only what changes is sent
  assert.deepEqual(intent(result, live, undefined), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n' }, spec: { replicas: 3 } });
  // a field meshctl owned and the result drops is not sent (so the apiserver removes it)
  const dropped = structuredClone(live) as any;
  delete dropped.spec.replicas;
  assert.equal('replicas' in (intent(dropped, live, owned).spec as object), false);
});

test('component logs: UIDs and bearer tokens are taken out of every line, also when a chunk ends mid-UID', async () => {
  const { redactLogLine, logToFile } = await import('../../src/providers/local/log-file.js');
  const { PassThrough } = await import('node:stream');
  const line = 'E1203 authentication.go:75] "Unable to authenticate the request" err="[invalid bearer token, service account UID (7e2de3bf-408f-4cf5-9de4-55eeb4d7c51e) does not match claim (8cab6dae-bbae-4d8e-8610-bf115cad6168)]"';
  assert.equal(redactLogLine(line), 'E1203 authentication.go:75] "Unable to authenticate the request" err="[invalid bearer token, service account UID (<uid>) does not match claim (<uid>)]"');
  assert.equal(redactLogLine('Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_x end'), 'Authorization: Bearer <token> end');
  assert.equal(redactLogLine('I1203 started on port 6443'), 'I1203 started on port 6443', 'other lines as they are');
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-log-'));
  const path = join(dir, 'c.log');
  const out = new PassThrough();
  const err = new PassThrough();
  const written = logToFile(path, [out, err]);
  out.write('uid 7e2de3bf-408f-4cf5');
  err.write('from stderr\n');
  out.write('-9de4-55eeb4d7c51e here\nlast line without end');
  out.end();
  err.end();
  await written;
  assert.equal(readFileSync(path, 'utf8'), 'from stderr\nuid <uid> here\nlast line without end\n');
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('a cluster an older meshctl made (ready.json with the supervisor\'s pid alone): its supervisor is checked, listed, and delete ends its group', { skip: !root && 'needs root (cluster delete)' }, async () => {
  const state = tmp('meshctl-state-');
  const clusters = join(state, 'local-clusters');
  const old = join(clusters, 'old1');
  const stale = join(clusters, 'old2');
  mkdirSync(old, { recursive: true, mode: 0o700 });
  mkdirSync(stale, { recursive: true, mode: 0o700 });
  // what the older supervisor looked like: started with `cluster __supervise --state DIR`, leading its own group
  const supervisor = spawn('sh', ['-c', 'sleep 60 & echo $! > "$0.child"; wait', join(old, 'x'), '__supervise', '--state', old], { detached: true, stdio: 'ignore' });
  const unrelated = sleeper();
  try {
    await waitStarted(supervisor, process.getuid?.() ?? 0, 'sh');
    await waitStarted(unrelated);
    for (let i = 0; i < 100 && !existsSync(join(old, 'x.child')); i++) await new Promise((r) => setTimeout(r, 20));
    const child = Number(readFileSync(join(old, 'x.child'), 'utf8'));
    writeFileSync(join(old, 'ready.json'), JSON.stringify({ supervisorPid: supervisor.pid, port: 1, nodes: 1 }));
    writeFileSync(join(stale, 'ready.json'), JSON.stringify({ supervisorPid: unrelated.pid, port: 1, nodes: 1 }));
    const env = { MESHCTL_STATE_DIR: state };
    const list = await runCli(['cluster', 'list', '-o', 'json'], { env });
    assert.deepEqual(JSON.parse(list.stdout).filter((r: any) => r.provider === 'local').map((r: any) => `${r.name}:${r.status}`), ['old1:unhealthy', 'old2:stopped'],
      'the checked supervisor runs (its apiserver does not answer here); a pid that is not that supervisor is no cluster');
    const kubeconfig = join(tmp('meshctl-kc-'), 'config');
    for (const name of ['old1', 'old2']) {
      const del = await runCli(['cluster', 'delete', name, '--provider', 'local', '--kubeconfig', kubeconfig], { env, timeoutMs: 60_000 });
      assert.equal(del.code, 0, del.stderr);
    }
    for (let i = 0; i < 100 && (running(supervisor) || existsSync(`/proc/${child}`)); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(running(supervisor), false, 'the older supervisor is ended');
    assert.equal(existsSync(`/proc/${child}`) && !readFileSync(`/proc/${child}/stat`, 'utf8').includes(') Z '), false, 'and its group');
    assert.equal(running(unrelated), true, 'a process the record only names by pid is left alone');
  } finally {
    for (const p of [supervisor, unrelated]) p.kill('SIGKILL');
  }
});

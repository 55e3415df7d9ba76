#!/usr/bin/env node
// Bundles meshctl with esbuild, after tsc has type-checked it:
//   dist/bundle/  ESM, split per command (each command and each heavy dependency in chunks of their own, loaded
//                 only when used), with dist/bundle/meta.json saying which sources each chunk holds;
//                 what bin/meshctl.js and the npm package run.
//   dist/sea/meshctl.cjs  one CommonJS file for Node's single-executable build (scripts/build-sea.sh), with
//                 `--sea` only.
// Usage: node scripts/bundle.mjs [--sea]
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
// optional native helpers of ws, loaded in try/catch: not bundled, absent at run time
const external = ['bufferutil', 'utf-8-validate'];
// yaml resolves to its CommonJS build under Node, whose named exports esbuild loses behind a dynamic import in a
// split bundle (`const { stringify } = await import('yaml')` would get only a default): use its ESM build
const alias = { yaml: './node_modules/yaml/browser/index.js' };
const common = { bundle: true, platform: 'node', target: 'node20', external, alias, legalComments: 'linked', logLevel: 'warning' };

rmSync('dist/bundle', { recursive: true, force: true });
const esm = await build({
  ...common,
  // worker.js: the worker thread of src/worker/cancellable.ts, beside the chunk that starts it
  entryPoints: { cli: 'src/cli.ts', worker: 'src/worker/worker.ts' },
  outdir: 'dist/bundle',
  format: 'esm',
  splitting: true,
  chunkNames: '[name]-[hash]',
  metafile: true,
  // CommonJS dependencies bundled into ESM need require(), __filename and __dirname
  banner: { js: "import { createRequire as __meshctlCreateRequire } from 'node:module'; const require = __meshctlCreateRequire(import.meta.url);" },
});
writeFileSync('dist/bundle/meta.json', JSON.stringify(esm.metafile));

if (process.argv.includes('--sea')) {
  rmSync('dist/sea', { recursive: true, force: true });
  mkdirSync('dist/sea', { recursive: true });
  await build({
    ...common,
    stdin: { contents: "import { main } from './src/cli.ts'; main(process.argv.slice(2));", resolveDir: root, sourcefile: 'sea-main.ts', loader: 'ts' },
    outfile: 'dist/sea/meshctl.cjs',
    format: 'cjs',
    // the executable reads its files through node:sea (src/assets.ts), never through its own URL
    define: { 'import.meta.url': '"file:///meshctl-single-executable/dist/sea/meshctl.cjs"' },
  });
}

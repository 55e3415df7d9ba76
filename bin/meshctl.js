#!/usr/bin/env node
// Runs the bundled build (dist/bundle, made by `npm run build`), split per command. `meshctl --version` alone
// is answered here, before any of it loads: CI scripts call it often.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version + '\n');
} else {
  const { main } = await import('../dist/bundle/cli.js');
  await main(args);
}

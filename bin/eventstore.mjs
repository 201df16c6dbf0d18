#!/usr/bin/env node
// The `eventstore` command (package.json "bin"). An installed package runs its compiled JavaScript;
// a checkout of the repository (src/ beside dist/, no build needed) runs the TypeScript through tsx.
import { existsSync } from 'node:fs';

const checkout = existsSync(new URL('../src/cli/main.ts', import.meta.url));
let main;
if (checkout) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));

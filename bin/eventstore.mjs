#!/usr/bin/env node
// The `eventstore` command (package.json "bin"): runs the TypeScript CLI through tsx, in this process.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

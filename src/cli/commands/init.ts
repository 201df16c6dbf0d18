import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { defineCommand, requirePositional, UsageError, type CliCommand } from '../command.ts';
import { scaffoldFiles } from '../init/templates.ts';

export const initCommands: CliCommand[] = [
  defineCommand({
    name: 'init',
    summary: 'Scaffolds a new service: a config with one aggregate and one projection, a decider test, package.json.',
    usage: '<dir> [--package SPEC] [--force]',
    details: [
      'The directory is created; an existing one must be empty, unless --force (existing files are then left as they are).',
      '--package SPEC: how package.json depends on nats-eventstore (default ^<this version>; a path or tarball for local trials).',
      'Then: cd <dir> && npm install && npm test && npx eventstore migrate && npx eventstore start',
    ],
    options: { package: { type: 'string' }, force: { type: 'boolean' } },
    run: async ({ positionals, values }) => {
      const dir = resolve(requirePositional(positionals, 0, 'dir'));
      if (existsSync(dir) && (await readdir(dir)).length > 0 && !values.force) {
        throw new UsageError(`${dir} is not empty; pick a new directory, or pass --force to add only the files that are missing`);
      }
      const own = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string; dependencies: Record<string, string> };
      const files = scaffoldFiles({
        name: basename(dir).toLowerCase().replace(/[^a-z0-9._-]/g, '-') || 'my-service',
        packageSpec: typeof values.package === 'string' ? values.package : `^${own.version}`,
        zodSpec: `^${own.dependencies.zod}`,
      });
      const written: string[] = [];
      for (const [name, content] of Object.entries(files)) {
        const file = join(dir, name);
        if (existsSync(file)) continue;
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, content);
        written.push(name);
      }
      console.log(`${dir}: wrote ${written.join(', ') || 'nothing (every file exists)'}\n\nNext:\n  cd ${dir}\n  npm install\n  npm test\n  npx eventstore migrate\n  npx eventstore start`);
    },
  }),
];

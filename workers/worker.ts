/**
 * `npm run worker`: the worker role, exactly as `eventstore worker` runs it (the same code and defaults;
 * arguments pass through, e.g. --config). Kept so a process can be started without the bin shim.
 */
import { main } from '../src/cli/main.ts';

process.exitCode = await main(['worker', ...process.argv.slice(2)]);

/**
 * `npm run projector`: the projector role, exactly as `eventstore projector` runs it (the same code and defaults;
 * arguments pass through, e.g. --config). Kept so a process can be started without the bin shim.
 */
import { main } from '../src/cli/main.ts';

process.exitCode = await main(['projector', ...process.argv.slice(2)]);

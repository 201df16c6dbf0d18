/**
 * `npm run serve`: the HTTP API, exactly as `eventstore serve` runs it (the same code and defaults;
 * arguments pass through, e.g. --config). Kept so a process can be started without the bin shim.
 */
import { main } from '../src/cli/main.ts';

process.exitCode = await main(['serve', ...process.argv.slice(2)]);

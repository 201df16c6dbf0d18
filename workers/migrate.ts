/** `npm run migrate`: exactly `eventstore migrate` (arguments pass through, e.g. --config). */
import { main } from '../src/cli/main.ts';

process.exitCode = await main(['migrate', ...process.argv.slice(2)]);

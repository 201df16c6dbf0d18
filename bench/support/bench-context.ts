import type { BenchOptions } from './cli-options.ts';

/** What every scenario gets: the options and a progress line printer (stderr, so stdout stays the table). */
export interface BenchContext {
  options: BenchOptions;
  log(message: string): void;
}

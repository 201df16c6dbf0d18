import type { ContenderResult, TargetCheck } from '../support/scenario-result.ts';

/** The name our contender runs under in every scenario. */
export const OURS = 'ours (ordered gate)';

function figure(results: readonly ContenderResult[], name: string, key: string): number | undefined {
  const value = results.find((r) => r.name === name)?.figures[key];
  return typeof value === 'number' ? value : undefined;
}

/** "ours at least `factor` x `other`" on `key`. */
export function ratioTarget(results: readonly ContenderResult[], other: string, key: string, factor: number): TargetCheck {
  const target = `${OURS} >= ${factor}x ${other} (${key})`;
  const ours = figure(results, OURS, key);
  const theirs = figure(results, other, key);
  if (ours === undefined || theirs === undefined) return { target, measured: 'not measured', met: false };
  const ratio = ours / theirs;
  return { target, measured: `${ratio.toFixed(2)}x (${ours} vs ${theirs})`, met: ratio >= factor };
}

/** A figure of one contender against a bound. */
export function boundTarget(
  results: readonly ContenderResult[],
  name: string,
  key: string,
  bound: { atLeast?: number; atMost?: number },
  unit = '',
): TargetCheck {
  const wanted = bound.atLeast !== undefined ? `>= ${bound.atLeast}` : `<= ${bound.atMost}`;
  const target = `${name} ${key} ${wanted}${unit}`;
  const value = figure(results, name, key);
  if (value === undefined) return { target, measured: 'not measured', met: false };
  const met = (bound.atLeast === undefined || value >= bound.atLeast) && (bound.atMost === undefined || value <= bound.atMost);
  return { target, measured: `${value}${unit}`, met };
}

/** One contender of a scenario: `run` does one complete, isolated measurement. */
export interface RoundContender<T> {
  name: string;
  run(round: number): Promise<T>;
}

/**
 * Runs every contender once per round, rotating who goes first, so that a burst of load from the
 * shared machine hits all contenders alike and their ratios hold even when absolute figures drift.
 */
export async function alternateRounds<T>(
  contenders: readonly RoundContender<T>[],
  rounds: number,
  onRun?: (name: string, round: number, result: T) => void,
): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length]!;
      const result = await contender.run(round);
      results.get(contender.name)!.push(result);
      onRun?.(contender.name, round, result);
    }
  }
  return results;
}

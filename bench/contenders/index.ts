import type { CommandContender } from './contender.ts';
import { groupmqContender } from './groupmq.ts';
import { orderedGate } from './ordered-gate.ts';
import { partitionedBullmq } from './partitioned-bullmq.ts';
import { optimistic, plainBullmq } from './plain-bullmq.ts';

/** The contenders of scenarios 1 and 2, by the name worker processes are started with. */
export const COMMAND_CONTENDERS: CommandContender[] = [orderedGate, plainBullmq, partitionedBullmq, groupmqContender, optimistic];

export function contenderNamed(name: string): CommandContender {
  const contender = COMMAND_CONTENDERS.find((c) => c.name === name);
  if (!contender) throw new Error(`unknown contender "${name}"`);
  return contender;
}

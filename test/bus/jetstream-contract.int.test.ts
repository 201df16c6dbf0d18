import { busContract } from './contract.ts';
import { createTestBus } from './helpers.ts';

busContract('JetStream', () => createTestBus());

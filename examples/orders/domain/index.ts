import { CommandRegistry } from '../../../src/commands/domain/registry.ts';
import { Order } from './order.ts';
import { UserAccount } from './user-account.ts';

export { Order, ORDER_STATUSES, type OrderState, type OrderStatus } from './order.ts';
export { UserAccount, type UserAccountState } from './user-account.ts';

/** The example domain used by the demo, the worker entry and the tests. */
export const exampleDomain = new CommandRegistry([Order, UserAccount]);

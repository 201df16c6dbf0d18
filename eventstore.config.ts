// The config this checkout runs (`npm start`, the CLI, the tests' child processes): the example.
export { default } from './examples/orders/eventstore.config.ts';

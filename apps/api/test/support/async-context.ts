import { asyncContextOnDemand } from '../../src/lifecycle/async-context-on-demand';

/*
 * Installed before each test file's code, as main.ts installs it first: an AsyncLocalStorage instance a unit
 * spec enabled before the first createApp would otherwise keep Node's async hooks on for every later file
 * (jest runs the API's files in one process, and the install is the process's). A spec that enters a context
 * whose end cannot be known (a callback returning at once outside a request) still keeps them on for the
 * files after it, as it would in the API; the rules themselves are tested in fresh processes
 * (src/lifecycle/async-context-on-demand.spec.ts).
 */
asyncContextOnDemand();

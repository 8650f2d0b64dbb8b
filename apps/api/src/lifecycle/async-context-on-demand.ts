import { AsyncLocalStorage } from 'node:async_hooks';
import type { Server } from 'node:http';

/**
 * The parts of Node's hook-based `AsyncLocalStorage` (Node 20's only one; Node 22's without
 * `--experimental-async-context-frame`) that this module relies on.
 */
interface HookBasedStorage {
  _enable: (this: HookBasedStorage) => void;
  disable: (this: HookBasedStorage) => void;
  enterWith: (this: HookBasedStorage, store: unknown) => void;
  run: (this: HookBasedStorage, store: unknown, callback: (...args: unknown[]) => unknown, ...args: unknown[]) => unknown;
}

const prototype = AsyncLocalStorage.prototype as unknown as HookBasedStorage;

/**
 * What this module keeps, on the shared prototype: a module loaded again (each jest test file has its own
 * module registry, Node's prototype is the process's) finds it there instead of wrapping `run()` twice.
 */
interface OnDemandState {
  /** Instances enabled since the hooks were last turned off. */
  used: Set<HookBasedStorage>;
  /** Contexts in use: runs whose promise has not settled, and HTTP requests whose response has not closed. */
  holds: number;
  /** HTTP requests whose response has not closed (a part of `holds`). */
  requests: number;
  /** Instances whose contexts a request's middleware enters (nestjs-pino's): they end with their request. */
  requestScoped: WeakSet<HookBasedStorage>;
  /** Set once a context was entered whose end cannot be known: the hooks then stay on, as Node would keep them. */
  keptOn: boolean;
  offScheduled: boolean;
  servers: WeakSet<Server>;
}

const STATE = Symbol.for('parley.asyncContextOnDemand');
const holder = prototype as unknown as { [STATE]?: OnDemandState };

function turnOffIfUnused(state: OnDemandState): void {
  state.offScheduled = false;
  if (state.holds > 0 || state.keptOn) return;
  for (const storage of state.used) storage.disable();
  state.used.clear();
}

function release(state: OnDemandState): void {
  state.holds -= 1;
  if (state.holds === 0 && !state.offScheduled) {
    state.offScheduled = true;
    // After the turn: a burst of flushes or requests keeps the hooks on instead of turning them off and on.
    setImmediate(turnOffIfUnused, state);
  }
}

/**
 * Keeps Node's async hooks on only while an `AsyncLocalStorage` context is in use, instead of from the first
 * `run()` to the end of the process.
 *
 * Node 20 carries `AsyncLocalStorage` stores through async hooks (`lib/async_hooks.js`): the first `run()` of
 * any instance turns on an init hook and V8's promise hooks, and they stay on while an instance is enabled,
 * which is until its `disable()` (Node's documentation, "asyncLocalStorage.disable()"). From then on every
 * promise the process creates gets an async id, a trigger id and every enabled instance's store, every
 * `await` an extra promise, and every native callback the hooks' trampoline. The API's instances are
 * MikroORM's (its flush, `em.transactional`, raw query fragments) and nestjs-pino's (each HTTP request's
 * logger); none runs on a message's path, yet their first use at start-up kept the hooks on for every
 * message: Node's `promiseInitHook` was the largest allocator in the API (about a sixth of the bytes), and at
 * 1,000 messages/s the API spent about a fifth more CPU (bench/NOTES.md §35, §43).
 *
 * Once this is installed, a `run()` is counted while the native promise its callback returned is pending, and
 * every HTTP request of a server given to {@link holdAsyncContextDuringRequests} until its response closes.
 * When none is in use, after the turn in which the last ended, every instance that was enabled is disabled,
 * which turns the hooks off (Node defers removing the promise hooks past a running promise's `after` hook
 * itself); the next `run()` enables its instance again, as Node's own `run()` does. A `getStore()` outside
 * every context answers `undefined` either way.
 *
 * What changes: work a context leaves running after its promise settled (not awaited), or after its request's
 * response closed (a client that went away closes it before the handler ends), no longer sees that context's
 * store once nothing else keeps the hooks on. A context whose end cannot be known keeps the hooks on for the
 * rest of the process, as without this module: a `run()` whose callback returned anything but a native
 * promise, or threw, unless its instance is request-scoped and a request is open; any `enterWith()`. A `run()`
 * callback's rejected promise gets a handler here (for the count), so Node does not report it as unhandled if
 * its caller drops it.
 *
 * Install it before anything runs a context: one instance enabled before keeps the hooks on for good.
 * Idempotent. Does nothing on Node builds without the hook-based storage (Node 24's `AsyncContextFrame` has
 * no hooks to turn off).
 */
export function asyncContextOnDemand(): void {
  if (holder[STATE] || typeof prototype._enable !== 'function') return;
  const state: OnDemandState = {
    used: new Set(),
    holds: 0,
    requests: 0,
    requestScoped: new WeakSet(),
    keptOn: false,
    offScheduled: false,
    servers: new WeakSet(),
  };
  holder[STATE] = state;
  const released = (): void => release(state);
  const { _enable: enable, enterWith, run } = prototype;
  prototype._enable = function trackedEnable(this: HookBasedStorage) {
    state.used.add(this);
    enable.call(this);
  };
  prototype.enterWith = function keptEnterWith(this: HookBasedStorage, store) {
    state.keptOn = true;
    enterWith.call(this, store);
  };
  prototype.run = function countedRun(this: HookBasedStorage, store, callback, ...args) {
    state.holds += 1;
    let result: unknown;
    try {
      result = run.call(this, store, callback, ...args);
    } catch (error) {
      endsUnknown(state, this);
      released();
      throw error;
    }
    if (result instanceof Promise) {
      result.then(released, released);
    } else {
      endsUnknown(state, this);
      released();
    }
    return result;
  };
}

/** A context entered by `storage` ended its callback without a promise to wait for. */
function endsUnknown(state: OnDemandState, storage: HookBasedStorage): void {
  if (!(state.requests > 0 && state.requestScoped.has(storage))) state.keptOn = true;
}

/**
 * Counts each HTTP request of `server` as an `AsyncLocalStorage` context in use until its response closes
 * (see {@link asyncContextOnDemand}); its listener runs before the application's. Contexts of the
 * `requestScoped` instances entered with a callback that returns at once (nestjs-pino's middleware: the
 * request lasts longer) are taken to end with the requests. Once per server; does nothing before
 * {@link asyncContextOnDemand}.
 *
 * @param server the HTTP server whose requests keep the async hooks on
 * @param requestScoped instances only ever run by a request's middleware
 */
export function holdAsyncContextDuringRequests(server: Server, requestScoped: readonly AsyncLocalStorage<unknown>[]): void {
  const state = holder[STATE];
  if (!state || state.servers.has(server)) return;
  state.servers.add(server);
  for (const storage of requestScoped) state.requestScoped.add(storage as unknown as HookBasedStorage);
  server.prependListener('request', (_request, response) => {
    state.holds += 1;
    state.requests += 1;
    response.once('close', () => {
      state.requests -= 1;
      release(state);
    });
  });
}

import { setFlagsFromString } from 'node:v8';

/**
 * The V8 flag this module turns on when it is loaded: allocation-site pretenuring off.
 *
 * V8 watches which allocation sites (object and array literals in optimised code) make objects that
 * survive a young-generation collection, and once a site's objects survive often enough it allocates
 * them straight into the old generation from then on ("Allocation-site pretenuring", V8's
 * `Heap::ProcessPretenuringFeedback`; the decision is not taken back). A burst of connections, sessions or
 * a pause of the event loop leaves many per-message objects alive at one young collection, so the sites
 * on the message path (graphql-ws' frame handler, the compiled operations, Nest's guard and pipe chain)
 * get pretenured, and every later message puts its short-lived objects into the old generation. Measured
 * in the API at 1,000 messages/s (bench/NOTES.md §32): the old generation grew 1.41–1.46 MB/s with it and
 * 0.46–0.47 MB/s without, a mark-compact every ~5 s against none in most 20-s windows, and those
 * mark-compacts were where the p99 came from (stalls of 40–130 ms, every ~5 s); the API's CPU about 10 %
 * lower. The cost: an idle subscribed widget holds about 0.7 KB more (12.5 against 11.8 KB).
 *
 * Node does not accept the flag in `NODE_OPTIONS`, so the API's entry point imports this module first,
 * before anything else is loaded, and whatever starts it (npm start, the image, the benchmark) runs with
 * the same heap. A command line that names the flag itself (`node --allocation-site-pretenuring …`) wins.
 */
export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

if (!process.execArgv.some((arg) => arg.endsWith('allocation-site-pretenuring'))) setFlagsFromString(NO_PRETENURING_FLAG);

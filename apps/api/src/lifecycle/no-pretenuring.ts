import { setFlagsFromString } from 'node:v8';

/**
 * The V8 flag this module sets when it is loaded: allocation-site pretenuring off.
 *
 * V8 watches which allocation sites (object and array literals in optimised code) make objects that
 * survive a young-generation collection, and once a site's objects survive often enough it allocates
 * them straight into the old generation from then on ("Allocation-site pretenuring", V8's
 * `Heap::ProcessPretenuringFeedback`). V8 takes that back only when a mark-compact finds most of the old
 * generation dead, which in the API, whose old generation is mostly live state, is rare. A moment when
 * many per-message objects are alive at one young collection (a burst of connections or session starts,
 * a pause of the event loop: which one was not isolated) can get the sites on the message path
 * pretenured (graphql-ws' frame handler, the compiled operations, Nest's guard and pipe chain), and from
 * then on part of every message's short-lived objects goes to the old generation. Measured in the API at
 * 1,000 messages/s (bench/NOTES.md §32), four 20-s windows each: the old generation grew 1.41–1.46 MB/s
 * with it and 0.46–0.47 MB/s without; mark-compacts 4, 0, 0 and 3 against 1, 0, 0 and 0, and where there
 * were several, the p99 came from them (stalls of 40–130 ms, every ~5 s); the API's CPU about 10 % lower.
 * The cost: an idle subscribed widget holds about 0.7 KB more (12.5 against 11.8 KB), and Node's built-in
 * modules loaded after the flag changes compile without their embedded code cache (~20 ms at start).
 *
 * Node does not accept the flag in `NODE_OPTIONS`, so the API's entry point imports this module first,
 * before anything else is loaded, and whatever starts it (npm start, the image, the benchmark) runs with
 * the same heap. A command line that names the flag itself (`node --allocation-site-pretenuring …`, or with
 * underscores) wins. The worker process (`worker.js`) does not load it: its jobs come at a few a second.
 */
export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

/** Whether the command line names the flag, either way and in either spelling V8 accepts (`-` or `_`). */
const namedOnCommandLine = process.execArgv.some((arg) => arg.replace(/_/g, '-').endsWith('allocation-site-pretenuring'));

if (!namedOnCommandLine) setFlagsFromString(NO_PRETENURING_FLAG);

/**
 * Polls `condition` every 5 ms until it holds; rejects with `timed out waiting for <what>` after `ms`
 * milliseconds (default 3,000).
 */
export async function waitFor(condition: () => boolean, what = 'a condition', ms = 3000): Promise<void> {
  for (const deadline = Date.now() + ms; !condition(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

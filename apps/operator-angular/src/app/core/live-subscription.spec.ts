import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { FakeConnection, flush } from '../testing/fakes';
import { LiveSubscription, type SubscriptionResult } from './live-subscription';
import { RequestError } from './request-error';
import { Observable, Subject } from 'rxjs';

describe('LiveSubscription', () => {
  let connection: FakeConnection;
  let streams: { variables: { afterSeq: number }; results: Subject<SubscriptionResult<number>>; closed: boolean }[];
  let afterSeq: number;
  let received: number[];

  function start(extra: { resumed?: () => void; failed?: (e: RequestError) => void; settleMs?: number } = {}) {
    const live = new LiveSubscription<number>({
      connection,
      open: () => {
        const results = new Subject<SubscriptionResult<number>>();
        const entry = { variables: { afterSeq }, results, closed: false };
        streams.push(entry);
        return new Observable<SubscriptionResult<number>>((subscriber) => {
          const inner = results.subscribe(subscriber);
          return () => {
            entry.closed = true;
            inner.unsubscribe();
          };
        });
      },
      next: (n) => {
        received.push(n);
        afterSeq = n;
      },
      ...extra,
    });
    live.start();
    return live;
  }

  beforeEach(() => {
    jest.useFakeTimers();
    connection = new FakeConnection();
    streams = [];
    afterSeq = 0;
    received = [];
  });
  afterEach(() => jest.useRealTimers());

  it('resubscribes with the latest variables after the connection is lost, then reports the resumption', async () => {
    const resumed = jest.fn();
    const live = start({ resumed });
    streams[0].results.next({ data: 4 });
    connection.lost$.next();
    expect(streams[0].closed).toBe(true);
    expect(streams).toHaveLength(1);
    jest.advanceTimersByTime(connection.delay);
    await flush();
    expect(streams).toHaveLength(2);
    expect(streams[1].variables.afterSeq).toBe(4);
    expect(resumed).toHaveBeenCalledTimes(1);
    live.stop();
    expect(streams[1].closed).toBe(true);
  });

  it('retries at once when the browser comes back online', () => {
    start();
    connection.lost$.next();
    connection.retryNow$.next();
    expect(streams).toHaveLength(2);
  });

  it('resubscribes when the stream ends with a network error or completes', () => {
    start();
    streams[0].results.next({ error: new Error('Socket closed with event 1006') });
    jest.advanceTimersByTime(connection.delay);
    expect(streams).toHaveLength(2);
    streams[1].results.complete();
    jest.advanceTimersByTime(connection.delay);
    expect(streams).toHaveLength(3);
  });

  it('gives up on FORBIDDEN and says so', () => {
    const failed = jest.fn();
    start({ failed });
    streams[0].results.next({ error: new RequestError('not yours', 'FORBIDDEN', false) });
    jest.advanceTimersByTime(1000);
    expect(streams).toHaveLength(1);
    expect(failed).toHaveBeenCalledWith(expect.objectContaining({ code: 'FORBIDDEN' }));
  });

  it('counts itself as an active subscription while open', () => {
    const live = start();
    expect(connection.active).toBe(1);
    live.stop();
    expect(connection.active).toBe(0);
  });

  describe('retryingSince: the live data may be out of date', () => {
    /** What Apollo delivers when the API cannot reach Redis or PostgreSQL for the subscription. */
    const unavailable = () =>
      new CombinedGraphQLErrors({ errors: [{ message: 'Redis is unreachable', extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } }] });

    it('is set when the stream fails with a retryable error, keeps its first time across failed retries, and clears at the next event', () => {
      const live = start();
      streams[0].results.next({ data: 1 });
      expect(live.retryingSince()).toBeNull();
      const failedAt = Date.now();
      streams[0].results.next({ error: unavailable() });
      expect(live.retryingSince()).toBe(failedAt);

      jest.advanceTimersByTime(connection.delay);
      expect(streams).toHaveLength(2);
      expect(live.retryingSince()).toBe(failedAt); // subscribed again, but nothing has come yet
      streams[1].results.error(unavailable());
      jest.advanceTimersByTime(connection.delay);
      expect(live.retryingSince()).toBe(failedAt);

      streams[2].results.next({ data: 2 });
      expect(live.retryingSince()).toBeNull();
      expect(received).toEqual([1, 2]);
    });

    it('is set when the stream completes (the server ended it) until the next event', () => {
      const live = start();
      streams[0].results.complete();
      expect(live.retryingSince()).not.toBeNull();
      jest.advanceTimersByTime(connection.delay);
      streams[1].results.next({ data: 3 });
      expect(live.retryingSince()).toBeNull();
    });

    it('stays null for a final refusal, which goes to failed instead', () => {
      const failed = jest.fn();
      const live = start({ failed });
      streams[0].results.next({ error: unavailable() });
      expect(live.retryingSince()).not.toBeNull();
      jest.advanceTimersByTime(connection.delay);
      streams[1].results.next({ error: new CombinedGraphQLErrors({ errors: [{ message: 'Operators only', extensions: { code: 'FORBIDDEN' } }] }) });
      expect(failed).toHaveBeenCalledWith(expect.objectContaining({ code: 'FORBIDDEN' }));
      expect(live.retryingSince()).toBeNull();
    });

    it('is not set by a dropped socket alone (the connection banner says that), and a drop keeps it when set', () => {
      const live = start();
      connection.lost$.next();
      expect(live.retryingSince()).toBeNull();
      jest.advanceTimersByTime(connection.delay);
      const failedAt = Date.now();
      streams[1].results.next({ error: unavailable() });
      connection.lost$.next();
      jest.advanceTimersByTime(connection.delay);
      expect(streams).toHaveLength(3);
      expect(live.retryingSince()).toBe(failedAt);
    });

    it('with settleMs, clears once a resubscription has stayed open that long without an event or a failure', () => {
      const live = start({ settleMs: 3000 });
      streams[0].results.next({ error: unavailable() });
      jest.advanceTimersByTime(connection.delay);
      jest.advanceTimersByTime(2999);
      expect(live.retryingSince()).not.toBeNull();
      streams[1].results.next({ error: unavailable() }); // failed before settling: still retrying
      jest.advanceTimersByTime(connection.delay + 2999);
      expect(live.retryingSince()).not.toBeNull();
      jest.advanceTimersByTime(1);
      expect(live.retryingSince()).toBeNull();
      expect(streams[2].closed).toBe(false);
    });

    it('without settleMs, a quiet resubscription stays "retrying" until an event comes', () => {
      const live = start();
      streams[0].results.next({ error: unavailable() });
      jest.advanceTimersByTime(connection.delay + 60_000);
      expect(streams).toHaveLength(2);
      expect(live.retryingSince()).not.toBeNull();
    });

    it('is cleared by stop', () => {
      const live = start();
      streams[0].results.next({ error: unavailable() });
      live.stop();
      expect(live.retryingSince()).toBeNull();
    });
  });
});

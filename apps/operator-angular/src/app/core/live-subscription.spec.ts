import { FakeConnection, flush } from '../testing/fakes';
import { LiveSubscription, type SubscriptionResult } from './live-subscription';
import { RequestError } from './request-error';
import { Observable, Subject } from 'rxjs';

describe('LiveSubscription', () => {
  let connection: FakeConnection;
  let streams: { variables: { afterSeq: number }; results: Subject<SubscriptionResult<number>>; closed: boolean }[];
  let afterSeq: number;
  let received: number[];

  function start(extra: { resumed?: () => void; failed?: (e: RequestError) => void } = {}) {
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
});

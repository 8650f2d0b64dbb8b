import { TestBed } from '@angular/core/testing';
import type { ClientOptions } from 'graphql-ws';
import { AuthService } from './auth.service';
import { ConnectionService, GRAPHQL_WS_CLIENT_FACTORY, GRAPHQL_WS_URL, PONG_TIMEOUT_MS } from './connection.service';

describe('ConnectionService', () => {
  let options: ClientOptions;
  let terminate: jest.Mock;

  beforeEach(() => {
    localStorage.clear();
    terminate = jest.fn(() => options.on?.closed?.({ code: 4499, reason: 'Terminated' }));
    TestBed.configureTestingModule({
      providers: [
        { provide: GRAPHQL_WS_URL, useValue: 'ws://test/graphql' },
        {
          provide: GRAPHQL_WS_CLIENT_FACTORY,
          useValue: (o: ClientOptions) => {
            options = o;
            return { terminate, dispose: () => undefined, subscribe: () => () => undefined, on: () => () => undefined, iterate: () => undefined };
          },
        },
      ],
    });
  });
  afterEach(() => jest.useRealTimers());

  const closed = (code: number) => options.on?.closed?.({ code, reason: '' });
  const connected = () => (options.on?.connected as (...args: unknown[]) => void)({}, undefined, false);

  it('never lets graphql-ws resubscribe by itself (the console resumes with the latest afterSeq)', () => {
    TestBed.inject(ConnectionService);
    expect(options.retryAttempts).toBe(0);
    expect(options.url).toBe('ws://test/graphql');
  });

  it('sends the access token as connectionParams.authToken', async () => {
    TestBed.inject(AuthService).start({ accessToken: 'jwt-1', expiresAt: new Date(Date.now() + 60_000).toISOString(), operator: { id: 'o', name: 'O', email: null, presence: 'ONLINE' } });
    TestBed.inject(ConnectionService);
    const params = typeof options.connectionParams === 'function' ? await options.connectionParams() : options.connectionParams;
    expect(params).toEqual({ authToken: 'jwt-1' });
  });

  it('reports a lost connection and, when it is back, a reconnection', () => {
    const connection = TestBed.inject(ConnectionService);
    const lost = jest.fn();
    const reconnected = jest.fn();
    connection.lost$.subscribe(lost);
    connection.reconnected$.subscribe(reconnected);
    options.on?.connecting?.(false);
    connected();
    expect(connection.state()).toBe('connected');
    expect(connection.interrupted()).toBe(false);
    connection.track(1);
    closed(1006);
    expect(connection.state()).toBe('lost');
    expect(connection.interrupted()).toBe(true);
    expect(lost).toHaveBeenCalledTimes(1);
    connected();
    expect(connection.state()).toBe('connected');
    expect(reconnected).toHaveBeenCalledTimes(1);
  });

  it('treats a normal close with nothing subscribed as idle, not as a loss', () => {
    const connection = TestBed.inject(ConnectionService);
    connected();
    closed(1000);
    expect(connection.state()).toBe('idle');
    expect(connection.interrupted()).toBe(false);
  });

  it('backs off between attempts, up to 8 s', () => {
    const connection = TestBed.inject(ConnectionService);
    connection.track(1);
    closed(1006);
    const first = connection.retryDelayMs();
    for (let i = 0; i < 10; i++) closed(1006);
    const later = connection.retryDelayMs();
    expect(first).toBeLessThan(1000);
    expect(later).toBeGreaterThanOrEqual(8000);
    expect(later).toBeLessThan(8400);
  });

  it('drops a socket whose ping gets no pong', () => {
    jest.useFakeTimers();
    TestBed.inject(ConnectionService);
    options.on?.ping?.(false, undefined);
    jest.advanceTimersByTime(PONG_TIMEOUT_MS - 1);
    expect(terminate).not.toHaveBeenCalled();
    options.on?.pong?.(true, undefined);
    options.on?.ping?.(false, undefined);
    jest.advanceTimersByTime(PONG_TIMEOUT_MS);
    expect(terminate).toHaveBeenCalledTimes(1);
  });

  it('drops the socket at once when the browser goes offline, and retries when it is back', () => {
    const connection = TestBed.inject(ConnectionService);
    const retry = jest.fn();
    connection.retryNow$.subscribe(retry);
    window.dispatchEvent(new Event('offline'));
    expect(terminate).toHaveBeenCalled();
    expect(connection.interrupted()).toBe(true);
    window.dispatchEvent(new Event('online'));
    expect(connection.browserOnline()).toBe(true);
    expect(retry).toHaveBeenCalled();
  });

  it('signs the operator out when the API refuses the token (close code 4403)', () => {
    const auth = TestBed.inject(AuthService);
    auth.start({ accessToken: 'jwt', expiresAt: new Date(Date.now() + 60_000).toISOString(), operator: { id: 'o', name: 'O', email: null, presence: 'ONLINE' } });
    TestBed.inject(ConnectionService);
    closed(4403);
    expect(auth.signedIn()).toBe(false);
    expect(auth.signOutReason()).toBe('expired');
  });
});

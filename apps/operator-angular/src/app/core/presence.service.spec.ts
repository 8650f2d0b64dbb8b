import { TestBed } from '@angular/core/testing';
import { FakeGraphql } from '../testing/fakes';
import { AuthService } from './auth.service';
import { GraphqlService } from './graphql.service';
import { PresenceService } from './presence.service';
import { RequestError } from './request-error';

describe('PresenceService', () => {
  let graphql: FakeGraphql;
  let serverPresence: string;

  beforeEach(() => {
    localStorage.clear();
    serverPresence = 'AWAY';
    graphql = new FakeGraphql()
      .on('SetPresence', (v) => {
        serverPresence = v['presence'] as string;
        return { setPresence: { id: 'op-1', name: 'Olga', email: null, presence: serverPresence } };
      })
      .on('Me', () => ({ me: { id: 'op-1', name: 'Olga', email: null, presence: serverPresence } }));
    TestBed.configureTestingModule({ providers: [{ provide: GraphqlService, useValue: graphql }] });
    TestBed.inject(AuthService).start({
      accessToken: 't',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      operator: { id: 'op-1', name: 'Olga', email: null, presence: 'OFFLINE' },
    });
  });
  afterEach(() => jest.useRealTimers());

  it('reads the presence the API kept (it survives reloads)', async () => {
    const presence = TestBed.inject(PresenceService);
    await presence.load();
    expect(presence.presence()).toBe('AWAY');
  });

  it('saves a new presence', async () => {
    const presence = TestBed.inject(PresenceService);
    await presence.set('ONLINE');
    expect(graphql.callsOf('SetPresence')).toEqual([{ presence: 'ONLINE' }]);
    expect(presence.presence()).toBe('ONLINE');
  });

  it('keeps the old presence and says why when saving fails', async () => {
    graphql.on('SetPresence', () => {
      throw new RequestError('offline', undefined, true);
    });
    const presence = TestBed.inject(PresenceService);
    await presence.set('AWAY');
    expect(presence.presence()).toBe('OFFLINE');
    expect(presence.error()).toMatch(/unreachable/);
  });

  it("never re-sends ONLINE to stay online: the API follows the console's WebSocket", async () => {
    jest.useFakeTimers();
    const presence = TestBed.inject(PresenceService);
    await presence.set('ONLINE');
    TestBed.tick();
    jest.advanceTimersByTime(10 * 60_000);
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(graphql.calls.map((c) => c.name)).toEqual(['SetPresence']);
    expect(presence.presence()).toBe('ONLINE');
  });
});

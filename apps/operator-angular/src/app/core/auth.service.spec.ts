import { TestBed } from '@angular/core/testing';
import { AuthService, type OperatorSession } from './auth.service';

function session(expiresInMs: number, token = 'token-1'): OperatorSession {
  return {
    accessToken: token,
    expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
    operator: { id: 'op-1', name: 'Olga', email: 'olga@example.com', presence: 'ONLINE' },
  };
}

describe('AuthService', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => jest.useRealTimers());

  it('keeps the session across a reload (a new instance reads it back)', () => {
    TestBed.inject(AuthService).start(session(60_000));
    TestBed.resetTestingModule();
    const reloaded = TestBed.inject(AuthService);
    expect(reloaded.signedIn()).toBe(true);
    expect(reloaded.token()).toBe('token-1');
    expect(reloaded.operator()?.name).toBe('Olga');
  });

  it('drops a stored session that has expired', () => {
    localStorage.setItem('parley.console.session', JSON.stringify(session(-1000)));
    const auth = TestBed.inject(AuthService);
    expect(auth.signedIn()).toBe(false);
    expect(auth.signOutReason()).toBe('expired');
    expect(localStorage.getItem('parley.console.session')).toBeNull();
  });

  it('signs out by itself when the token expires, saying why', () => {
    jest.useFakeTimers();
    const auth = TestBed.inject(AuthService);
    auth.start(session(5_000));
    jest.advanceTimersByTime(4_999);
    expect(auth.signedIn()).toBe(true);
    jest.advanceTimersByTime(2);
    expect(auth.signedIn()).toBe(false);
    expect(auth.signOutReason()).toBe('expired');
    expect(localStorage.getItem('parley.console.session')).toBeNull();
  });

  it('signs out on request and forgets the token', () => {
    const auth = TestBed.inject(AuthService);
    auth.start(session(60_000));
    auth.signOut();
    expect(auth.signedIn()).toBe(false);
    expect(auth.token()).toBeNull();
    expect(auth.signOutReason()).toBeNull();
    TestBed.resetTestingModule();
    expect(TestBed.inject(AuthService).signedIn()).toBe(false);
  });

  it('keeps the stored operator up to date (presence)', () => {
    const auth = TestBed.inject(AuthService);
    auth.start(session(60_000));
    auth.updateOperator({ id: 'op-1', name: 'Olga', email: 'olga@example.com', presence: 'AWAY' });
    TestBed.resetTestingModule();
    expect(TestBed.inject(AuthService).operator()?.presence).toBe('AWAY');
  });

  it('follows a sign-out in another tab', () => {
    const auth = TestBed.inject(AuthService);
    auth.start(session(60_000));
    localStorage.removeItem('parley.console.session');
    window.dispatchEvent(new StorageEvent('storage', { key: 'parley.console.session' }));
    expect(auth.signedIn()).toBe(false);
  });
});

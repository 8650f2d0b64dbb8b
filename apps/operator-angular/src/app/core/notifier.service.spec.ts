import { TestBed } from '@angular/core/testing';
import { NOTIFICATION_PLATFORM, type NotificationPlatform, NotifierService } from './notifier.service';

describe('NotifierService', () => {
  let platform: NotificationPlatform;
  let hidden: boolean;
  let chime: jest.Mock;
  let showNotification: jest.Mock;
  let permission: jest.Mock;
  let requestPermission: jest.Mock;

  beforeEach(() => {
    localStorage.clear();
    hidden = false;
    chime = jest.fn();
    showNotification = jest.fn();
    permission = jest.fn(() => 'granted');
    requestPermission = jest.fn(() => Promise.resolve('granted'));
    platform = { isHidden: () => hidden, permission, requestPermission, showNotification, chime };
    TestBed.configureTestingModule({ providers: [{ provide: NOTIFICATION_PLATFORM, useValue: platform }] });
  });

  it('chimes for a new chat, and shows a notification only while the tab is hidden', () => {
    const notifier = TestBed.inject(NotifierService);
    notifier.newChat('Ada', 'Hello', 's1');
    expect(chime).toHaveBeenCalledTimes(1);
    expect(showNotification).not.toHaveBeenCalled();
    hidden = true;
    notifier.newChat('Ada', 'Hello', 's1');
    expect(showNotification).toHaveBeenCalledWith('New chat: Ada', 'Hello', 'parley-chat-s1');
  });

  it('stays silent when both are switched off, and remembers that across reloads', async () => {
    const notifier = TestBed.inject(NotifierService);
    notifier.setSound(false);
    await notifier.setNotifications(false);
    TestBed.tick();
    TestBed.resetTestingModule();
    TestBed.configureTestingModule({ providers: [{ provide: NOTIFICATION_PLATFORM, useValue: platform }] });
    const reloaded = TestBed.inject(NotifierService);
    expect(reloaded.settings()).toEqual({ sound: false, notifications: false });
    hidden = true;
    reloaded.newChat('Ada', null, 's1');
    expect(chime).not.toHaveBeenCalled();
    expect(showNotification).not.toHaveBeenCalled();
  });

  it('does not notify without permission', () => {
    permission.mockReturnValue('denied');
    hidden = true;
    TestBed.inject(NotifierService).newChat('Ada', null, 's1');
    expect(showNotification).not.toHaveBeenCalled();
  });

  it('asks for permission when notifications are switched on and the browser has not been asked', async () => {
    permission.mockReturnValue('default');
    const notifier = TestBed.inject(NotifierService);
    await notifier.setNotifications(true);
    expect(requestPermission).toHaveBeenCalled();
  });
});

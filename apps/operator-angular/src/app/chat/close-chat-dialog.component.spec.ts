import { TestBed } from '@angular/core/testing';
import { MAT_DIALOG_DATA, MatDialogRef } from '@angular/material/dialog';
import { RequestError, toRequestError } from '../core/request-error';
import { flush } from '../testing/fakes';
import { CloseChatDialogComponent, QUICK_RESOLUTIONS } from './close-chat-dialog.component';

describe('CloseChatDialogComponent', () => {
  let close: jest.Mock<Promise<void>, [string]>;
  let dialogClose: jest.Mock;

  async function render() {
    close = jest.fn((_resolution: string) => Promise.resolve());
    dialogClose = jest.fn();
    TestBed.configureTestingModule({
      providers: [
        { provide: MAT_DIALOG_DATA, useValue: { visitorName: 'Ada', close } },
        { provide: MatDialogRef, useValue: { close: dialogClose } },
      ],
    });
    const fixture = TestBed.createComponent(CloseChatDialogComponent);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const submit = async () => {
      root.querySelector<HTMLButtonElement>('[data-testid=confirm-close]')!.click();
      await flush();
      await fixture.whenStable();
    };
    return { fixture, root, submit };
  }

  it('requires a resolution', async () => {
    const { root, submit } = await render();
    const textarea = root.querySelector<HTMLTextAreaElement>('[data-testid=resolution-input]')!;
    textarea.value = '   ';
    textarea.dispatchEvent(new Event('input'));
    await submit();
    expect(close).not.toHaveBeenCalled();
    expect(root.textContent).toContain('A resolution is required');
  });

  it('fills the resolution from a quick choice and closes with it', async () => {
    const { root, submit, fixture } = await render();
    const chips = [...root.querySelectorAll<HTMLElement>('mat-chip-option')];
    expect(chips.map((c) => c.textContent?.trim())).toEqual([...QUICK_RESOLUTIONS]);
    chips[1].querySelector<HTMLButtonElement>('button')!.click();
    await fixture.whenStable();
    expect(root.querySelector<HTMLTextAreaElement>('[data-testid=resolution-input]')!.value).toBe(QUICK_RESOLUTIONS[1]);
    await submit();
    expect(close).toHaveBeenCalledWith(QUICK_RESOLUTIONS[1]);
    expect(dialogClose).toHaveBeenCalledWith(true);
  });

  it('stays open and says why when closing fails', async () => {
    const { root, submit } = await render();
    close.mockRejectedValue(new RequestError('This chat session is assigned to another operator', 'FORBIDDEN', false));
    const textarea = root.querySelector<HTMLTextAreaElement>('[data-testid=resolution-input]')!;
    textarea.value = 'Solved';
    textarea.dispatchEvent(new Event('input'));
    await submit();
    expect(dialogClose).not.toHaveBeenCalled();
    expect(root.querySelector('[data-testid=close-error]')?.textContent).toContain('assigned to another operator');
  });

  it('says a network failure in words, never the browser\'s text', async () => {
    const { root, submit } = await render();
    close.mockRejectedValue(toRequestError(new Error('Http failure response for /graphql: 0 undefined')));
    const textarea = root.querySelector<HTMLTextAreaElement>('[data-testid=resolution-input]')!;
    textarea.value = 'Solved';
    textarea.dispatchEvent(new Event('input'));
    await submit();
    const error = root.querySelector('[data-testid=close-error]')?.textContent ?? '';
    expect(error).toContain('Could not close the chat: No connection to the server');
    expect(error).not.toContain('Http failure');
  });
});

import type {} from '../src/loader/widget';

// The demo page's own script, built to /widget/demo/demo.js (the API's CSP allows no inline script).
// ?lang=ru shows the page, and so the widget, in Russian: it must run before widget.js reads <html lang>.
(() => {
  if (/[?&]lang=ru\b/.test(location.search)) document.documentElement.lang = 'ru';

  // The JavaScript API in use: the sign-in buttons call Parley.identify, the hero link opens the chat.
  const people: Record<'alice' | 'bob', { name: string; email: string }> = {
    alice: { name: 'Alice Martin', email: 'alice@example.com' },
    bob: { name: 'Bob Novak', email: 'bob@example.com' },
  };
  function withParley(fn: (parley: NonNullable<typeof window.Parley>) => void): void {
    if (window.Parley) fn(window.Parley);
    else window.addEventListener('parley:ready', () => window.Parley && fn(window.Parley), { once: true });
  }
  function signIn(who: 'alice' | 'bob' | null): void {
    document.getElementById('signed-in')!.textContent = who ? people[who].name : 'Guest';
    withParley((parley) => parley.identify(who ? people[who] : null));
  }
  document.addEventListener('DOMContentLoaded', () => {
    document.getElementById('sign-in-alice')!.addEventListener('click', () => signIn('alice'));
    document.getElementById('sign-in-bob')!.addEventListener('click', () => signIn('bob'));
    document.getElementById('sign-out')!.addEventListener('click', () => signIn(null));
    document.getElementById('open-chat')!.addEventListener('click', (event) => {
      event.preventDefault();
      withParley((parley) => parley.open());
    });
  });
})();

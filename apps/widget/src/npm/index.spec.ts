import { READY_EVENT } from '../common/host';
import type { ParleyApi } from '../common/public-api';

type LoadParley = typeof import('./index').loadParley;

/** A fresh copy of the module (its "already loading" promise is module state). */
async function fresh(): Promise<LoadParley> {
  let load!: LoadParley;
  await jest.isolateModulesAsync(async () => {
    load = (await import('./index')).loadParley;
  });
  return load;
}

const fakeApi = { version: 'test' } as ParleyApi;

beforeEach(() => {
  document.head.replaceChildren();
  delete (window as { Parley?: ParleyApi }).Parley;
});

describe('loadParley (npm import)', () => {
  it('adds widget.js once with the options as data attributes and resolves with window.Parley', async () => {
    const loadParley = await fresh();
    const first = loadParley({ url: 'https://chat.example.test/', locale: 'ru', prechat: 'off' });
    const second = loadParley({ url: 'https://other.test' });
    const scripts = document.head.querySelectorAll('script');
    expect(scripts).toHaveLength(1);
    expect(scripts[0].src).toBe('https://chat.example.test/widget.js');
    expect(scripts[0].async).toBe(true);
    expect(scripts[0].dataset).toMatchObject({ parleyUrl: 'https://chat.example.test', locale: 'ru', prechat: 'off' });
    (window as { Parley?: ParleyApi }).Parley = fakeApi;
    window.dispatchEvent(new Event(READY_EVENT));
    await expect(first).resolves.toBe(fakeApi);
    await expect(second).resolves.toBe(fakeApi);
    await expect(loadParley({ url: 'https://chat.example.test' })).resolves.toBe(fakeApi);
  });

  it('rejects when the script cannot be loaded, and may be tried again', async () => {
    const loadParley = await fresh();
    const attempt = loadParley({ url: 'https://down.example.test' });
    document.head.querySelector('script')!.dispatchEvent(new Event('error'));
    await expect(attempt).rejects.toThrow('Parley: could not load https://down.example.test/widget.js');
    expect(document.head.querySelector('script')).toBeNull();
    void loadParley({ url: 'https://down.example.test' });
    expect(document.head.querySelectorAll('script')).toHaveLength(1);
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Every non-test TypeScript file of the widget. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name === 'test' ? [] : sources(file);
    return file.endsWith('.ts') && !file.endsWith('.spec.ts') ? [file] : [];
  });
}

describe('point 8: the widget never parses text as HTML', () => {
  it('uses no HTML-parsing DOM API anywhere in its code', () => {
    const files = sources(__dirname);
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((file) => /\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write|createContextualFragment|DOMParser/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

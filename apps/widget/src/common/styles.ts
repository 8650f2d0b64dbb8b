/**
 * Adds `css` to a shadow root: as a constructable stylesheet where the browser has them (these are not
 * inline styles, so a host page's Content-Security-Policy `style-src` does not block them), else as a
 * `<style>` element. Returns a function removing it.
 */
export function adoptStyles(root: ShadowRoot, css: string): () => void {
  try {
    if ('adoptedStyleSheets' in root && typeof CSSStyleSheet !== 'undefined' && 'replaceSync' in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
      return () => (root.adoptedStyleSheets = root.adoptedStyleSheets.filter((s) => s !== sheet));
    }
  } catch {
    // fall back to a <style> element
  }
  const style = document.createElement('style');
  style.textContent = css;
  root.appendChild(style);
  return () => style.remove();
}

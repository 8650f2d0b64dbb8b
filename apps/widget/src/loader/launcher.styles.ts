/**
 * Styles of the widget's shadow root that the launcher needs: the host reset (so the host page's CSS,
 * even `!important` rules on `*`, cannot move, hide or restyle the widget: inside a shadow tree,
 * `:host` `!important` declarations beat the page's), the launcher button, the badge and the panel frame
 * (full-screen on phones). Pixel units only: the page's root font size must not matter.
 */
export const LAUNCHER_CSS = `
:host{all:initial!important;display:block!important;position:fixed!important;right:0!important;bottom:0!important;
left:auto!important;top:auto!important;width:0!important;height:0!important;margin:0!important;padding:0!important;
border:0!important;transform:none!important;filter:none!important;opacity:1!important;visibility:visible!important;
overflow:visible!important;z-index:2147483647!important;contain:none!important;clip-path:none!important;pointer-events:auto!important}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.root{--accent:var(--parley-accent,#2f4fd8);--accent-ink:#fff;--ink:#1b1f2a;--muted:#5b6275;--line:#dfe3ec;--bg:#fff;--soft:#f3f5fa;
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);
letter-spacing:normal;text-transform:none;text-align:left;direction:ltr;-webkit-font-smoothing:antialiased}
.launcher{position:fixed;right:20px;bottom:20px;width:60px;height:60px;margin:0;padding:0;border:0;border-radius:50%;
background:var(--accent);color:var(--accent-ink);cursor:pointer;box-shadow:0 6px 20px rgba(20,30,60,.28);display:flex;
align-items:center;justify-content:center;transition:transform .15s ease}
.launcher:hover{transform:scale(1.05)}
.launcher:focus-visible{outline:3px solid #ffbf47;outline-offset:3px}
.launcher svg{width:28px;height:28px;fill:currentColor;display:block}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#d92d20;
color:#fff;font:700 12px/22px system-ui,sans-serif;text-align:center;box-shadow:0 0 0 2px #fff}
.panel{position:fixed;right:20px;bottom:92px;width:380px;height:min(640px,calc(100vh - 112px));min-height:320px;
background:var(--bg);border-radius:16px;box-shadow:0 12px 48px rgba(20,30,60,.3);overflow:hidden;display:flex;flex-direction:column}
.loading{margin:auto;padding:24px;color:var(--muted);text-align:center}
@media (max-width:520px),(max-height:520px){
.panel{inset:0;right:0;bottom:0;width:100%;height:100%;min-height:0;border-radius:0;box-shadow:none}
.root.open .launcher{display:none}
}
@media (prefers-reduced-motion:reduce){.launcher{transition:none}}
`;

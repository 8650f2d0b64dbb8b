/** Styles of the chat panel (inside the widget's shadow root; the launcher's frame styles come first). */
export const CHAT_CSS = `
.chat{display:flex;flex-direction:column;height:100%;min-height:0}
.head{display:flex;align-items:center;gap:8px;padding:14px 12px 14px 18px;background:var(--accent);color:var(--accent-ink);flex:none}
.head-text{flex:1;min-width:0}
.title{margin:0;font-size:17px;font-weight:650;line-height:1.25}
.subtitle{margin:2px 0 0;font-size:13px;opacity:.9;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.icon-btn,.text-btn{border:0;background:transparent;color:inherit;cursor:pointer;font:inherit;border-radius:8px}
.icon-btn{width:36px;height:36px;display:flex;align-items:center;justify-content:center;flex:none}
.icon-btn svg{width:20px;height:20px;fill:currentColor}
.head .text-btn{font-size:13px;padding:6px 8px;border:1px solid rgba(255,255,255,.55)}
.icon-btn:hover,.head .text-btn:hover{background:rgba(255,255,255,.16)}
button:focus-visible,input:focus-visible,textarea:focus-visible,.score input:focus-visible+span{outline:3px solid #ffbf47;outline-offset:2px}
.notice{flex:none;padding:7px 14px;background:#fff6dd;color:#5c4300;font-size:13px;border-bottom:1px solid #f0e0b0}
.body{flex:1;overflow-y:auto;padding:14px 14px 6px;background:var(--soft);overscroll-behavior:contain}
.intro,.empty{color:var(--muted);margin:4px 2px 14px}
.prechat{display:flex;flex-direction:column;gap:12px;background:var(--bg);padding:16px;border-radius:12px;border:1px solid var(--line)}
.field{display:flex;flex-direction:column;gap:4px;font-size:14px;font-weight:600}
.field small{font-weight:400;color:var(--muted)}
input,textarea{font:inherit;color:var(--ink);background:#fff;border:1px solid #b9c0d0;border-radius:8px;padding:9px 11px;margin:0;width:100%}
.error{color:#b42318;font-size:13px;font-weight:400;margin:0}
.primary{border:0;border-radius:10px;background:var(--accent);color:var(--accent-ink);font:600 15px/1.2 inherit;font-family:inherit;padding:11px 16px;cursor:pointer}
.primary:disabled{opacity:.6;cursor:default}
.secondary{border:1px solid #b9c0d0;border-radius:10px;background:#fff;color:var(--ink);font:inherit;padding:9px 14px;cursor:pointer}
.queue{background:#e9eeff;border:1px solid #cdd7fb;color:#1d2f7a;border-radius:10px;padding:10px 12px;margin:0 0 12px;font-size:14px}
.queue.offline{background:#fff4e5;border-color:#f5d4a0;color:#6a3f00}
.queue p{margin:0}
.earlier{display:block;margin:0 auto 10px;font-size:13px;color:var(--accent);padding:4px 10px}
.log{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}
.msg{display:flex;flex-direction:column;max-width:85%}
.msg.visitor{align-self:flex-end;align-items:flex-end}
.msg.operator{align-self:flex-start;align-items:flex-start}
.msg.system{align-self:center;max-width:95%;text-align:center;color:var(--muted);font-size:13px}
.who{font-size:12px;color:var(--muted);margin:0 4px 2px}
.bubble{padding:9px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}
.visitor .bubble{background:var(--accent);color:var(--accent-ink);border-bottom-right-radius:4px}
.operator .bubble{background:#fff;border:1px solid var(--line);border-bottom-left-radius:4px}
.meta{font-size:11.5px;color:var(--muted);margin:3px 4px 0;display:flex;gap:6px;align-items:center}
.meta .failed{color:#b42318;font-weight:600}
.meta .text-btn{color:var(--accent);font-size:12px;font-weight:600;padding:2px 6px;text-decoration:underline}
.msg.pending .bubble{opacity:.75}
.msg.failed .bubble{opacity:1;outline:2px solid #f04438;outline-offset:-2px}
.typing{min-height:22px;margin:6px 2px 0;font-size:13px;color:var(--muted);font-style:italic}
.closed{margin:14px 0 8px;background:var(--bg);border:1px solid var(--line);border-radius:12px;padding:14px;display:flex;flex-direction:column;gap:10px}
.closed p{margin:0}
.closed .resolution{font-weight:600}
.rating{border:0;margin:0;padding:0;display:flex;flex-direction:column;gap:10px}
.rating legend{font-weight:650;padding:0;margin:0 0 6px}
.scores{display:flex;gap:6px}
.score{position:relative;flex:1}
.score input{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.score span{display:flex;align-items:center;justify-content:center;height:40px;border:1px solid #b9c0d0;border-radius:10px;cursor:pointer;font-weight:650;background:#fff}
.score input:checked+span{background:var(--accent);border-color:var(--accent);color:var(--accent-ink)}
.thanks{font-weight:650}
.composer{flex:none;display:flex;gap:8px;align-items:flex-end;padding:10px 12px;border-top:1px solid var(--line);background:var(--bg)}
.composer textarea{resize:none;min-height:42px;max-height:120px;line-height:1.35}
.send{flex:none;width:44px;height:42px;border:0;border-radius:10px;background:var(--accent);color:var(--accent-ink);cursor:pointer;display:flex;align-items:center;justify-content:center}
.send svg{width:20px;height:20px;fill:currentColor}
.composer-error{padding:0 14px 8px;background:var(--bg)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

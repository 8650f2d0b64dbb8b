// What validator.js's isEmail accepts with the options the API's `@IsEmail()` gives it (none: require_tld,
// no IP domain, no underscore, no display name, UTF-8 local part allowed), so the pre-chat form refuses what
// `createVisitor` would refuse. Ported by hand (validator 13: isEmail, isFQDN, isByteLength) rather than
// bundled: the widget has a size budget. email.spec.ts checks it against validator itself.
// The patterns below are validator.js's: Copyright (c) 2018 Chris O'Hara, MIT License
// (https://github.com/validatorjs/validator.js/blob/master/LICENSE).
const LOCAL_ATOM = /^[a-z\d!#$%&'*+\-/=?^_`{|}~\u00A1-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF]+$/i;
// eslint-disable-next-line no-control-regex
const LOCAL_QUOTED = /^([\s\x01-\x08\x0b\x0c\x0e-\x1f\x7f\x21\x23-\x5b\x5d-\x7e\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF]|(\\[\x01-\x09\x0b\x0c\x0d-\x7f\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF]))*$/i;
const TLD = /^([a-z\u00A1-\u00A8\u00AA-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF]{2,}|xn[a-z0-9-]{2,})$/i;
const LABEL = /^[a-z\u00a1-\uffff0-9-]+$/i;

/** Length in UTF-8 bytes, as validator's isByteLength counts it; Infinity for a lone surrogate. */
function bytes(text: string): number {
  try {
    return encodeURI(text).split(/%..|./).length - 1;
  } catch {
    return Infinity;
  }
}

/**
 * Whether the API's `createVisitor` takes `value` as an e-mail address: at most 254 characters, a local part
 * of at most 64 bytes (dot-separated atoms, or one quoted string), and a domain of at least two labels
 * (each 1–63 characters, letters, digits or hyphens, no leading or trailing hyphen) ending in a top-level
 * domain of at least two letters (or `xn--…`). `john@gmail.c` and `ops@intranet` are refused.
 */
export function isEmailAddress(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at < 0 || value.length > 254) return false;
  const user = value.slice(0, at);
  const domain = value.slice(at + 1);
  const labels = domain.split('.');
  if (bytes(user) > 64 || bytes(domain) > 254 || labels.length < 2 || !TLD.test(labels[labels.length - 1])) return false;
  for (const label of labels) {
    if (label.length > 63 || !LABEL.test(label) || /[\uff01-\uff5e]/.test(label) || /^-|-$/.test(label)) return false;
  }
  if (user[0] === '"' && user[user.length - 1] === '"') return LOCAL_QUOTED.test(user.slice(1, -1));
  return user.split('.').every((atom) => LOCAL_ATOM.test(atom));
}

/**
 * The one rule for instance names, shared by the widget (`invalid-config` before any popup or request) and
 * ce-connect/server: at most 200 code points; no control or format character (Cc, Cf: C0/C1 controls, bidi
 * overrides, zero-width characters), no line or paragraph separator (Zl, Zp); well-formed (a lone surrogate is
 * Cs here, so this is `String.prototype.isWellFormed` too, without needing ES2024). It ships in the browser
 * bundle: keep it one expression.
 */
export const isInstanceName = (name: unknown): name is string => typeof name == 'string' && /^[^\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]{0,200}$/u.test(name);

// PIN refusals (README, "Gateway (end-user pages)", step 2), checked in the browser (the server never sees the PIN).
import { COMMON_PINS } from "./common-pins.js";
import { gettext, interpolate } from "./i18n.js";

const common = new Set(COMMON_PINS);

function isRun(pin, step) {
  // Wrap-around counts too: 890123 and 210987 are runs.
  for (let i = 1; i < pin.length; i += 1) {
    if ((Number(pin[i - 1]) + step + 10) % 10 !== Number(pin[i])) return false;
  }
  return true;
}

export function pinProblem(pin) {
  if (pin.length === 0) return gettext("Enter 6 digits.");
  if (!/^\d*$/.test(pin)) return gettext("Use digits only.");
  if (pin.length < 6) return interpolate(gettext("Enter 6 digits (%(count)s so far)."), { count: pin.length });
  if (pin.length > 6) return gettext("Use exactly 6 digits.");
  if (/^(\d)\1{5}$/.test(pin)) return gettext("All six digits are the same. Choose a PIN that is harder to guess.");
  if (isRun(pin, 1)) return gettext("Digits counting up (like 123456) are easy to guess. Choose another PIN.");
  if (isRun(pin, -1)) return gettext("Digits counting down (like 987654) are easy to guess. Choose another PIN.");
  if (common.has(pin)) return gettext("This is one of the most common PINs. Choose one that is harder to guess.");
  return null;
}

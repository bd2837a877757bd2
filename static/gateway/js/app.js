// The gateway page: runs the challenge's flow (data-flow, from gateway/flows.py) with the
// step handlers of steps.js (those of the wallet steps loaded only when the flow has them), and
// keeps the page honest: no stale form after Back/Forward, the link's expiry shown and watched.
import { runFlow } from "./flow.js";
import { handlersFor } from "./steps.js";
import { gettext, interpolate } from "./i18n.js";
import { $, root, clearForms, endPage, localTime, wireDigitInputs } from "./ui.js";

// A page restored from the back/forward cache shows what it showed when left (a step the
// server may have moved past, digits typed): read the step again from the server instead.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) window.location.reload();
});
// A page loaded again from history gets its fields refilled by the browser: empty them.
clearForms();

const WARN_MS = 2 * 60 * 1000;

function watchExpiry() {
  const notice = $("expiry");
  if (!notice) return;
  const expiresAt = new Date(notice.dataset.expiresAt);
  notice.textContent = interpolate(gettext("This link expires at %(time)s."), { time: localTime(expiresAt) });
  // Counted from the server's own "seconds left", so a wrong clock on this device does not matter.
  const deadline = performance.now() + Number(notice.dataset.expiresIn) * 1000;
  let warned = false;
  const tick = () => {
    const left = deadline - performance.now();
    if (left <= 0) {
      clearForms();
      endPage({
        heading: gettext("This link has expired"),
        message: gettext("Links work for 15 minutes. Go back to the app and start again."),
        href: root.dataset.returnExpired,
      });
      return;
    }
    if (left <= WARN_MS && !warned) {
      warned = true;
      $("expiry-warning").textContent = interpolate(
        gettext("Less than 2 minutes left: finish before %(time)s, or you will have to start again from the app."),
        { time: localTime(expiresAt) },
      );
    }
    setTimeout(tick, Math.min(left, 1000));
  };
  tick();
}

wireDigitInputs(root);
watchExpiry();

const data = root.dataset;
const flow = JSON.parse(data.flow);
runFlow({
  flow,
  handlers: await handlersFor(flow),
  ctx: { challengeId: data.challengeId, customerId: data.customerId, data, shard: null, lastForm: null },
});

// Declining a request from any step (signing, export, a PIN step of those flows): kept apart
// from the signing modules so a page that never signs does not load them.
import { post } from "./api.js";
import { root, guarded } from "./ui.js";
import { gettext } from "./i18n.js";

// Any [data-decline] button fails the challenge (result.reason "declined") and returns to the app.
export function wireDecline(ctx) {
  for (const button of root.querySelectorAll("[data-decline]")) {
    if (button.dataset.wired) continue;
    button.dataset.wired = "true";
    button.addEventListener("click", async () => {
      const form = button.closest("form");
      await guarded(form, gettext("Declining…"), async () => {
        const result = await post(ctx.challengeId, "decline");
        window.location.assign(result.returnUrl);
      });
    });
  }
}

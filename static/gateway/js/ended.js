// Side pages (ended, locked, cancelled): times in the user's own clock, and after a cancel the
// closing screen returns to the app by itself (not when reached again with Back or a reload).
import { gettext, interpolate } from "./i18n.js";
import { localTime, navigationType } from "./ui.js";

const locked = document.getElementById("locked-until");
if (locked) {
  locked.textContent = interpolate(gettext("Your PIN is locked until %(time)s."), {
    time: localTime(new Date(locked.dataset.until)),
  });
}

const main = document.getElementById("ended");
const back = document.getElementById("ended-return");
if (main && main.dataset.autoReturn && back && navigationType() === "navigate") {
  setTimeout(() => window.location.assign(back.href), 1500);
}

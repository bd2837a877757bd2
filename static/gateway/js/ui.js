// Page helpers shared by the steps: which section shows, field and form errors, busy states,
// digit fields, times in the user's clock, the page's end.
import { ApiError } from "./api.js";
import { gettext, interpolate } from "./i18n.js";

export const root = document.getElementById("gateway");
export const $ = (id) => document.getElementById(id);
export const digitsOnly = (v) => v.replace(/\s+/g, "");

export function show(sectionId) {
  for (const section of root.querySelectorAll("section.step")) section.hidden = section.id !== sectionId;
  for (const item of root.querySelectorAll(".steps li")) {
    if (item.dataset.steps.split(" ").includes(sectionId)) item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
  }
  const heading = $(sectionId).querySelector("h2");
  if (heading) heading.focus();
}

export function setFieldError(input, message) {
  const box = $(`${input.id}-error`);
  box.textContent = message || "";
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

export function setFormError(form, message) {
  form.querySelector(".form-error").textContent = message || "";
}

function busy(form, message) {
  const status = form.querySelector(".progress");
  const button = form.querySelector("button[type=submit]");
  if (message) {
    status.hidden = false;
    status.querySelector(".progress-text").textContent = message;
    if (button) button.disabled = true;
  } else {
    status.hidden = true;
    status.querySelector(".progress-text").textContent = "";
    if (button) button.disabled = false;
  }
}

function explain(error) {
  if (error instanceof ApiError) {
    if (error.errors) {
      const first = Object.values(error.errors).flat()[0];
      if (first && error.code === "invalid") return interpolate(gettext("Please check your input: %(problem)s"), { problem: first });
    }
    return error.message;
  }
  return gettext("Something went wrong on this device. Please try again.");
}

// HH:MM in the user's own time zone and the page's language.
export function localTime(date) {
  return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    hour: "2-digit", minute: "2-digit",
  }).format(date);
}

// "navigate", "reload" or "back_forward": how this document was reached.
export function navigationType() {
  const entry = performance.getEntriesByType("navigation")[0];
  return entry ? entry.type : "navigate";
}

// Digit fields (PIN, emailed code: data-digits="6") keep digits only, so a pasted or typed
// "482 915" or "482-915" reads 482915; the length is cut after cleaning, never before.
export function wireDigitInputs(scope) {
  for (const input of scope.querySelectorAll("input[data-digits]")) {
    const size = Number(input.dataset.digits);
    const clean = (text) => text.replace(/\D+/g, "").slice(0, size);
    input.addEventListener("paste", (event) => {
      const text = event.clipboardData ? event.clipboardData.getData("text") : "";
      if (!text) return;
      event.preventDefault();
      input.value = clean(text);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    input.addEventListener("input", () => {
      const cleaned = clean(input.value);
      if (cleaned !== input.value) input.value = cleaned;
    });
  }
}

// Every form back to empty (typed PINs, answers and codes leave the page).
export function clearForms() {
  for (const form of root.querySelectorAll("form")) form.reset();
}

// The page is over: the end section with its heading, message and way back; the cancel link
// and the expiry notice go (there is nothing left to cancel).
export function endPage({ heading, message, href, linkText }) {
  if (heading) $("ended-heading").textContent = heading;
  $("ended-message").textContent = message;
  const link = $("ended-return");
  if (href) link.href = href;
  if (linkText) link.textContent = linkText;
  for (const id of ["cancel-form", "expiry", "expiry-warning"]) {
    const element = $(id);
    if (element) element.hidden = true;
  }
  show("step-ended");
}

export function ended(message) {
  endPage({ message });
}

// The challenge verified: a closing screen names the app, then the browser goes back to it.
export function closing(appName, url) {
  clearForms();
  endPage({
    heading: gettext("Done"),
    message: interpolate(gettext("Done. Returning you to %(app)s…"), { app: appName }),
    href: url,
    linkText: interpolate(gettext("Go to %(app)s now"), { app: appName }),
  });
  setTimeout(() => window.location.assign(url), 1500);
}

function handleFatal(error) {
  if (error instanceof ApiError && [403, 410, 423].includes(error.status) &&
      ["locked", "challenge_closed", "session_refused"].includes(error.code)) {
    ended(error.message);
    return true;
  }
  return false;
}

// Runs `work` with the form showing `message`; an error is shown on the form (or ends the
// page when the session is over). True when the work succeeded.
export async function guarded(form, message, work) {
  setFormError(form, "");
  busy(form, message);
  try {
    await work();
    return true;
  } catch (error) {
    if (!handleFatal(error)) setFormError(form, explain(error));
    return false;
  } finally {
    busy(form, null);
  }
}

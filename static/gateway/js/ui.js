// Page helpers shared by the steps: which section shows, field and form errors, busy states.
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

export function ended(message) {
  $("ended-message").textContent = message;
  show("step-ended");
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

// The gateway page: PIN setup, resume, recovery setup and restore. The PIN, the answers and the
// shard stay in this module's memory; only authKey, wrapped copies and (for email) the recovery
// key are sent.
import { post, ApiError } from "./api.js";
import { pinProblem } from "./pinrules.js";
import { answersSecret, normalizeAnswer } from "./normalize.js";
import {
  b64url, fromB64url, deriveKeys, wrapKey, wrapShard, unwrapShard, rawAesKey, newShard, randomBytes,
  shardAad,
} from "./scheme.js";

const root = document.getElementById("gateway");
const cfg = root.dataset;
const cid = cfg.challengeId;
let shard = null;

const $ = (id) => document.getElementById(id);
const digitsOnly = (v) => v.replace(/\s+/g, "");

function show(stepId) {
  for (const section of root.querySelectorAll("section.step")) section.hidden = section.id !== stepId;
  for (const item of root.querySelectorAll(".steps li")) {
    if (item.dataset.steps.split(" ").includes(stepId)) item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
  }
  const heading = $(stepId).querySelector("h2");
  if (heading) heading.focus();
}

function setFieldError(input, message) {
  const box = $(`${input.id}-error`);
  box.textContent = message || "";
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function setFormError(form, message) {
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
      if (first && error.message === "Validation failed") return `Please check your input: ${first}`;
    }
    return error.message;
  }
  return "Something went wrong on this device. Please try again.";
}

function ended(message) {
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

async function guarded(form, message, work) {
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

// --- PIN choice (first setup and new PIN after restore) ---------------------------------
function wirePinChoice(onDone) {
  const form = $("pin-form");
  const pin1 = $("pin1");
  const pin2 = $("pin2");
  const check1 = () => {
    const v = digitsOnly(pin1.value);
    setFieldError(pin1, v.length ? pinProblem(v) : "");
  };
  const check2 = () => {
    const a = digitsOnly(pin1.value);
    const b = digitsOnly(pin2.value);
    setFieldError(pin2, b.length === 6 && a !== b ? "The two PINs do not match." : "");
  };
  pin1.addEventListener("input", () => { check1(); check2(); });
  pin2.addEventListener("input", check2);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const a = digitsOnly(pin1.value);
    const b = digitsOnly(pin2.value);
    const problem = pinProblem(a);
    if (problem) { setFieldError(pin1, problem); pin1.focus(); return; }
    if (a !== b) { setFieldError(pin2, "The two PINs do not match."); pin2.focus(); return; }
    await guarded(form, "Securing your PIN on this device. This takes a few seconds…", async () => {
      const material = await post(cid, "pin/start");
      const keys = await deriveKeys(a, fromB64url(material.salt));
      if (!shard) shard = newShard();
      const key = await wrapKey(keys.pinKey, fromB64url(material.secret));
      const wrapped = await wrapShard(key, shard, shardAad(cfg.customerId, "pin"));
      await post(cid, "pin/setup", { authKey: b64url(keys.authKey), wrappedShard: b64url(wrapped) });
      pin1.value = "";
      pin2.value = "";
      onDone();
    });
  });
}

// --- Resume: enter the PIN to unwrap the shard ------------------------------------------
function wireUnlock(onDone) {
  const form = $("unlock-form");
  const pin = $("unlock-pin");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = digitsOnly(pin.value);
    if (!/^\d{6}$/.test(value)) { setFieldError(pin, "Enter your 6-digit PIN."); pin.focus(); return; }
    setFieldError(pin, "");
    await guarded(form, "Checking your PIN on this device…", async () => {
      const keys = await deriveKeys(value, fromB64url(cfg.pinSalt));
      const release = await post(cid, "pin/verify", { authKey: b64url(keys.authKey) });
      try {
        const key = await wrapKey(keys.pinKey, fromB64url(release.secret));
        shard = await unwrapShard(key, fromB64url(release.wrappedShard), shardAad(cfg.customerId, "pin"));
      } catch {
        throw new ApiError(422, { message: "Your stored key could not be opened: it was changed or damaged. Contact support." });
      }
      pin.value = "";
      onDone();
    });
  });
}

// --- Recovery setup -----------------------------------------------------------------------
function readQuestions(prefix, count) {
  const ids = [];
  const answers = [];
  let ok = true;
  for (let i = 1; i <= count; i += 1) {
    const select = $(`${prefix}q${i}`);
    const answer = $(`${prefix}a${i}`);
    if (select) {
      if (!select.value) { setFieldError(select, "Choose a question."); ok = false; }
      else if (ids.includes(select.value)) { setFieldError(select, "Choose a different question for each answer."); ok = false; }
      else setFieldError(select, "");
      ids.push(select.value);
    }
    const norm = normalizeAnswer(answer.value);
    if (norm.length < 3) { setFieldError(answer, "Answers need at least 3 characters."); ok = false; }
    else setFieldError(answer, "");
    answers.push(answer.value);
  }
  return ok ? { ids, answers } : null;
}

async function complete(form) {
  await guarded(form, "Finishing…", async () => {
    const result = await post(cid, "complete");
    window.location.assign(result.returnUrl);
  });
}

function wireRecovery() {
  $("choose-questions").addEventListener("click", () => show("step-questions"));
  $("choose-email").addEventListener("click", () => show("step-email"));
  for (const back of root.querySelectorAll("[data-back]")) {
    back.addEventListener("click", () => show("step-recovery"));
  }
  const qform = $("questions-form");
  qform.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picked = readQuestions("", 3);
    if (!picked) return;
    const saved = await guarded(qform, "Protecting your backup with your answers. This takes a few seconds…", async () => {
      const material = await post(cid, "recovery/questions/start");
      const keys = await deriveKeys(answersSecret(picked.answers), fromB64url(material.salt));
      const key = await wrapKey(keys.pinKey, fromB64url(material.secret));
      const wrapped = await wrapShard(key, shard, shardAad(cfg.customerId, "questions"));
      await post(cid, "recovery/questions", {
        questionIds: picked.ids, authKey: b64url(keys.authKey), wrappedShard: b64url(wrapped),
      });
      for (let i = 1; i <= 3; i += 1) $(`a${i}`).value = "";
    });
    if (saved) await complete(qform);
  });

  const eform = $("email-form");
  const cform = $("email-code-form");
  eform.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = $("email");
    if (!email.value.includes("@")) { setFieldError(email, "Enter your email address."); return; }
    setFieldError(email, "");
    await guarded(eform, "Sending a code…", async () => {
      const sent = await post(cid, "recovery/email/start", { email: email.value.trim() });
      $("email-sent").textContent = `We sent a 6-digit code to ${sent.sentTo}. It works for 10 minutes.`;
      cform.hidden = false;
      $("email-code").focus();
    });
  });
  cform.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = $("email-code");
    const value = digitsOnly(code.value);
    if (!/^\d{6}$/.test(value)) { setFieldError(code, "The code is 6 digits."); return; }
    setFieldError(code, "");
    const saved = await guarded(cform, "Saving your backup…", async () => {
      const recoveryKey = randomBytes(32);
      const wrapped = await wrapShard(await rawAesKey(recoveryKey), shard, shardAad(cfg.customerId, "email"));
      await post(cid, "recovery/email/confirm", {
        code: value, recoveryKey: b64url(recoveryKey), wrappedShard: b64url(wrapped),
      });
    });
    if (saved) await complete(cform);
  });
}

// --- Restore (RESET_PIN) ------------------------------------------------------------------
function wireRestore() {
  const qform = $("restore-questions-form");
  if (qform) {
    qform.addEventListener("submit", async (event) => {
      event.preventDefault();
      const picked = readQuestions("r", 3);
      if (!picked) return;
      await guarded(qform, "Checking your answers on this device…", async () => {
        const keys = await deriveKeys(answersSecret(picked.answers), fromB64url(cfg.questionsSalt));
        const release = await post(cid, "restore/questions", { authKey: b64url(keys.authKey) });
        try {
          const key = await wrapKey(keys.pinKey, fromB64url(release.secret));
          shard = await unwrapShard(key, fromB64url(release.wrappedShard), shardAad(cfg.customerId, "questions"));
        } catch {
          throw new ApiError(422, { message: "Your backup could not be opened: it was changed or damaged. Contact support." });
        }
        for (let i = 1; i <= 3; i += 1) $(`ra${i}`).value = "";
        show("step-pin");
      });
    });
  }
  const sform = $("restore-email-form");
  const cform = $("restore-code-form");
  if (sform) {
    sform.addEventListener("submit", async (event) => {
      event.preventDefault();
      await guarded(sform, "Sending a code…", async () => {
        const sent = await post(cid, "restore/email/start");
        $("restore-email-sent").textContent = `We sent a 6-digit code to ${sent.sentTo}. It works for 10 minutes.`;
        cform.hidden = false;
        $("restore-code").focus();
      });
    });
    cform.addEventListener("submit", async (event) => {
      event.preventDefault();
      const code = $("restore-code");
      const value = digitsOnly(code.value);
      if (!/^\d{6}$/.test(value)) { setFieldError(code, "The code is 6 digits."); return; }
      setFieldError(code, "");
      await guarded(cform, "Opening your backup…", async () => {
        const release = await post(cid, "restore/email/confirm", { code: value });
        try {
          const key = await rawAesKey(fromB64url(release.recoveryKey));
          shard = await unwrapShard(key, fromB64url(release.wrappedShard), shardAad(cfg.customerId, "email"));
        } catch {
          throw new ApiError(422, { message: "Your backup could not be opened: it was changed or damaged. Contact support." });
        }
        show("step-pin");
      });
    });
  }
}

function start() {
  const step = cfg.step;
  if (step === "restore") {
    wireRestore();
    wirePinChoice(async () => complete($("pin-form")));
    show(cfg.restoreStart);
    return;
  }
  wireRecovery();
  wirePinChoice(() => show("step-recovery"));
  wireUnlock(() => show("step-recovery"));
  show({ pin: "step-pin", unlock: "step-unlock", done: "step-ended" }[step] || "step-pin");
}

start();

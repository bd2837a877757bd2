// The page's part of each step of gateway/flows.py, by step name. The PIN, the answers and
// the shard stay in this page's memory; only authKey, wrapped copies and (for email) the
// recovery key are sent.
import { post } from "./api.js";
import { pinProblem } from "./pinrules.js";
import { answersSecret, normalizeAnswer } from "./normalize.js";
import { b64url, wrapShard, rawAesKey, newShard, randomBytes, shardAad, sealCopy, SCHEME_V1 } from "./scheme.js";
import { oprfInput, oprfBlind } from "./oprf.js";
import { unlockWithPin, unlockWithQuestions, unlockWithEmailCode } from "./unlock.js";
import { $, root, digitsOnly, show, setFieldError, guarded, closing } from "./ui.js";
import { wireDecline } from "./decline.js";
import { gettext, interpolate } from "./i18n.js";

function readQuestions(prefix, count) {
  const ids = [];
  const answers = [];
  let ok = true;
  for (let i = 1; i <= count; i += 1) {
    const select = $(`${prefix}q${i}`);
    const answer = $(`${prefix}a${i}`);
    if (select) {
      if (!select.value) { setFieldError(select, gettext("Choose a question.")); ok = false; }
      else if (ids.includes(select.value)) { setFieldError(select, gettext("Choose a different question for each answer.")); ok = false; }
      else setFieldError(select, "");
      ids.push(select.value);
    }
    const norm = normalizeAnswer(answer.value);
    if (norm.length < 3) { setFieldError(answer, gettext("Answers need at least 3 characters.")); ok = false; }
    else setFieldError(answer, "");
    // Set up twice (never sent, compared as they will be checked later): a typo cannot
    // silently make the backup unopenable.
    const again = $(`${prefix}a${i}c`);
    if (again) {
      if (norm.length >= 3 && normalizeAnswer(again.value) !== norm) {
        setFieldError(again, gettext("The two answers do not match. Type the same answer twice."));
        ok = false;
      } else setFieldError(again, "");
    }
    answers.push(answer.value);
  }
  return ok ? { ids, answers } : null;
}

function readCode(input) {
  const value = digitsOnly(input.value);
  if (!/^\d{6}$/.test(value)) { setFieldError(input, gettext("The code is 6 digits.")); return null; }
  setFieldError(input, "");
  return value;
}

// pin_choose: a new PIN (first setup, or after an unlock) wraps the shard (a new one if none is open),
// under scheme v2: the PIN's blinded element goes with pin/start, the OPRF output keys the copy.
const pinChoose = {
  wire(ctx, done) {
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
      setFieldError(pin2, b.length === 6 && a !== b ? gettext("The two PINs do not match.") : "");
    };
    pin1.addEventListener("input", () => { check1(); check2(); });
    pin2.addEventListener("input", check2);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const a = digitsOnly(pin1.value);
      const b = digitsOnly(pin2.value);
      const problem = pinProblem(a);
      if (problem) { setFieldError(pin1, problem); pin1.focus(); return; }
      if (a !== b) { setFieldError(pin2, gettext("The two PINs do not match.")); pin2.focus(); return; }
      const saved = await guarded(form, gettext("Securing your PIN on this device. This takes a few seconds…"), async () => {
        const input = oprfInput(a);
        const { blind, blinded } = oprfBlind(input);
        const material = await post(ctx.challengeId, "pin/start", { blindedElement: b64url(blinded) });
        if (!ctx.shard) ctx.shard = newShard();
        const copy = await sealCopy({ input, blind, material, shard: ctx.shard, customerId: ctx.customerId, kind: "pin" });
        await post(ctx.challengeId, "pin/setup", copy);
        pin1.value = "";
        pin2.value = "";
      });
      if (saved) done(form);
    });
  },
};

// pin_enter: unlock with the PIN.
const pinEnter = {
  wire(ctx, done) {
    wireDecline(ctx);
    const form = $("unlock-form");
    const pin = $("unlock-pin");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const value = digitsOnly(pin.value);
      if (!/^\d{6}$/.test(value)) { setFieldError(pin, gettext("Enter your 6-digit PIN.")); pin.focus(); return; }
      setFieldError(pin, "");
      const opened = await guarded(form, gettext("Checking your PIN on this device…"), async () => {
        ctx.shard = await unlockWithPin({
          challengeId: ctx.challengeId, customerId: ctx.customerId, pin: value, salt: ctx.data.pinSalt,
          scheme: ctx.data.pinScheme,
        });
        pin.value = "";
      });
      if (opened) done(form);
    });
  },
};

// recovery_setup: wrap the open shard for recovery, by security questions or by email.
const recoverySetup = {
  wire(ctx, done) {
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
      const saved = await guarded(qform, gettext("Protecting your backup with your answers. This takes a few seconds…"), async () => {
        const input = oprfInput(answersSecret(picked.answers));
        const { blind, blinded } = oprfBlind(input);
        const material = await post(ctx.challengeId, "recovery/questions/start", { blindedElement: b64url(blinded) });
        const copy = await sealCopy({ input, blind, material, shard: ctx.shard, customerId: ctx.customerId, kind: "questions" });
        await post(ctx.challengeId, "recovery/questions", { questionIds: picked.ids, ...copy });
        for (let i = 1; i <= 3; i += 1) { $(`a${i}`).value = ""; $(`a${i}c`).value = ""; }
      });
      if (saved) done(qform);
    });

    const eform = $("email-form");
    const cform = $("email-code-form");
    eform.addEventListener("submit", async (event) => {
      event.preventDefault();
      const email = $("email");
      if (!email.value.includes("@")) { setFieldError(email, gettext("Enter your email address.")); return; }
      setFieldError(email, "");
      await guarded(eform, gettext("Sending a code…"), async () => {
        const sent = await post(ctx.challengeId, "recovery/email/start", { email: email.value.trim() });
        $("email-sent").textContent = interpolate(gettext("We sent a 6-digit code to %(email)s. It works for 10 minutes."), { email: sent.sentTo });
        cform.hidden = false;
        $("email-code").focus();
      });
    });
    cform.addEventListener("submit", async (event) => {
      event.preventDefault();
      const code = readCode($("email-code"));
      if (!code) return;
      const saved = await guarded(cform, gettext("Saving your backup…"), async () => {
        const recoveryKey = randomBytes(32);
        const wrapped = await wrapShard(await rawAesKey(recoveryKey), ctx.shard, shardAad(ctx.customerId, "email", SCHEME_V1));
        await post(ctx.challengeId, "recovery/email/confirm", {
          code, recoveryKey: b64url(recoveryKey), wrappedShard: b64url(wrapped),
        });
      });
      if (saved) done(cform);
    });
  },
};

// recovery_open: unlock with a recovery copy (questions or an emailed code).
const recoveryOpen = {
  wire(ctx, done) {
    const qform = $("restore-questions-form");
    if (qform) {
      qform.addEventListener("submit", async (event) => {
        event.preventDefault();
        const picked = readQuestions("r", 3);
        if (!picked) return;
        const opened = await guarded(qform, gettext("Checking your answers on this device…"), async () => {
          ctx.shard = await unlockWithQuestions({
            challengeId: ctx.challengeId, customerId: ctx.customerId, answers: picked.answers, salt: ctx.data.questionsSalt,
            scheme: ctx.data.questionsScheme,
          });
          for (let i = 1; i <= 3; i += 1) $(`ra${i}`).value = "";
        });
        if (opened) done(qform);
      });
    }
    const sform = $("restore-email-form");
    const cform = $("restore-code-form");
    if (sform) {
      sform.addEventListener("submit", async (event) => {
        event.preventDefault();
        await guarded(sform, gettext("Sending a code…"), async () => {
          const sent = await post(ctx.challengeId, "restore/email/start");
          $("restore-email-sent").textContent = interpolate(gettext("We sent a 6-digit code to %(email)s. It works for 10 minutes."), { email: sent.sentTo });
          cform.hidden = false;
          $("restore-code").focus();
        });
      });
      cform.addEventListener("submit", async (event) => {
        event.preventDefault();
        const code = readCode($("restore-code"));
        if (!code) return;
        const opened = await guarded(cform, gettext("Opening your backup…"), async () => {
          ctx.shard = await unlockWithEmailCode({ challengeId: ctx.challengeId, customerId: ctx.customerId, code });
        });
        if (opened) done(cform);
      });
    }
  },
  enter(ctx) {
    show(ctx.data.restoreStart);
  },
};

// ready: the challenge verifies and the browser goes back to the app.
const ready = {
  enter(ctx) {
    const form = ctx.lastForm;
    guarded(form, gettext("Finishing…"), async () => {
      const result = await post(ctx.challengeId, "complete");
      closing(ctx.data.appName, result.returnUrl);
    });
  },
};

const done = { enter() { show("step-ended"); } };

function showSection(handler) {
  return { ...handler, enter: handler.enter || ((ctx, step) => show(step.section)) };
}

const handlers = {
  pin_choose: showSection(pinChoose),
  pin_enter: showSection(pinEnter),
  recovery_setup: showSection(recoverySetup),
  recovery_open: recoveryOpen,
  ready,
  done,
};

// The wallet steps (and the secp256k1 code they need) are loaded only by a flow that has them,
// so the PIN and recovery pages stay light on a slow network.
const LATER = {
  wallet_create: async () => (await import("./wallet-step.js")).walletCreate,
  wallet_sign: async () => (await import("./sign-step.js")).walletSign,
  wallet_export: async () => showSection((await import("./sign-step.js")).walletExport),
};

export async function handlersFor(flow) {
  const all = { ...handlers };
  for (const step of flow.steps) {
    if (!all[step.name] && LATER[step.name]) all[step.name] = await LATER[step.name]();
  }
  return all;
}

// Unlock: the one way every flow gets the shard back, from the PIN or from a recovery copy.
// The server releases a copy (and, for the PIN and the questions, its secret `s`) only to a
// right proof; the secret text and the shard never leave this page.
//
// Scheme v2 (PIN and answers): the page blinds the secret text, asks for a counted OPRF
// evaluation (`…/evaluate`), finalises, derives authKey from the OPRF output and proves it naming
// that evaluation. A v1 copy is proven from the text itself, with a blinded element sent along.
// Either way, when the answer carries `upgrade` (a v1 copy, or one under an older OPRF key),
// the page wraps the same shard under v2 with the fresh material and stores it (`…/upgrade`).
import { post, ApiError } from "./api.js";
import { answersSecret } from "./normalize.js";
import { oprfInput, oprfBlind, oprfFinalize } from "./oprf.js";
import {
  b64url, fromB64url, deriveKeys, wrapKey, unwrapShard, rawAesKey, shardAad, sealCopy, SCHEME_V1, SCHEME_V2,
} from "./scheme.js";
import { gettext } from "./i18n.js";

const DAMAGED = {
  pin: gettext("Your stored key could not be opened: it was changed or damaged. Contact support."),
  recovery: gettext("Your backup could not be opened: it was changed or damaged. Contact support."),
};

async function open(key, wrapped, customerId, kind, version) {
  try {
    return await unwrapShard(key, fromB64url(wrapped), shardAad(customerId, kind, version));
  } catch {
    throw new ApiError(422, { message: kind === "pin" ? DAMAGED.pin : DAMAGED.recovery });
  }
}

// A copy wrapped under a secret text (the PIN, or the joined answers): prove it with authKey,
// then open the released copy with HKDF(pinKey ‖ s); move it to v2 when the server asks.
// `scheme` is the stored copy's (data-pin-scheme / data-questions-scheme); a page that does not
// give it is taken as v2 and falls back to v1 when the server says the copy is not v2 yet.
async function unlockWithSecret({ challengeId, customerId, steps, kind, secretText, salt, scheme }) {
  let version = Number(scheme) === SCHEME_V1 ? SCHEME_V1 : SCHEME_V2;
  const input = oprfInput(secretText);
  const { blind, blinded } = oprfBlind(input);
  let keys;
  let proof;
  let evaluation = null;
  if (version === SCHEME_V2) {
    try {
      evaluation = await post(challengeId, steps.evaluate, { blindedElement: b64url(blinded) });
    } catch (error) {
      if (scheme || !(error instanceof ApiError) || error.code !== "scheme_mismatch") throw error;
      version = SCHEME_V1;
    }
  }
  if (evaluation) {
    keys = await deriveKeys(oprfFinalize(input, blind, fromB64url(evaluation.evaluatedElement)), fromB64url(salt));
    proof = { authKey: b64url(keys.authKey), evaluationId: evaluation.evaluationId };
  } else {
    keys = await deriveKeys(secretText, fromB64url(salt));
    proof = { authKey: b64url(keys.authKey), blindedElement: b64url(blinded) };
  }
  const release = await post(challengeId, steps.verify, proof);
  const shard = await open(
    await wrapKey(keys.pinKey, fromB64url(release.secret)), release.wrappedShard, customerId, kind, version,
  );
  if (release.upgrade) {
    const copy = await sealCopy({ input, blind, material: release.upgrade, shard, customerId, kind });
    await post(challengeId, steps.upgrade, copy);
  }
  return shard;
}

export function unlockWithPin({ challengeId, customerId, pin, salt, scheme }) {
  return unlockWithSecret({
    challengeId, customerId, kind: "pin", secretText: pin, salt, scheme,
    steps: { evaluate: "pin/evaluate", verify: "pin/verify", upgrade: "pin/upgrade" },
  });
}

export function unlockWithQuestions({ challengeId, customerId, answers, salt, scheme }) {
  return unlockWithSecret({
    challengeId, customerId, kind: "questions", secretText: answersSecret(answers), salt, scheme,
    steps: {
      evaluate: "restore/questions/evaluate", verify: "restore/questions", upgrade: "restore/questions/upgrade",
    },
  });
}

// Server-assisted: the emailed code releases the escrowed recovery key (email copies are v1:
// no secret text, so no OPRF).
export async function unlockWithEmailCode({ challengeId, customerId, code }) {
  const release = await post(challengeId, "restore/email/confirm", { code });
  return open(await rawAesKey(fromB64url(release.recoveryKey)), release.wrappedShard, customerId, "email", SCHEME_V1);
}

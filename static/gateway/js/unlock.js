// Unlock: the one way every flow gets the shard back, from the PIN or from a recovery copy.
// The server releases a copy (and, for the PIN and the questions, its secret `s`) only to a
// right proof; the secret text and the shard never leave this page.
import { post, ApiError } from "./api.js";
import { answersSecret } from "./normalize.js";
import { b64url, fromB64url, deriveKeys, wrapKey, unwrapShard, rawAesKey, shardAad } from "./scheme.js";

const DAMAGED = {
  pin: "Your stored key could not be opened: it was changed or damaged. Contact support.",
  recovery: "Your backup could not be opened: it was changed or damaged. Contact support.",
};

async function open(key, wrapped, customerId, kind) {
  try {
    return await unwrapShard(key, fromB64url(wrapped), shardAad(customerId, kind));
  } catch {
    throw new ApiError(422, { message: kind === "pin" ? DAMAGED.pin : DAMAGED.recovery });
  }
}

// A copy wrapped under a secret text (the PIN, or the joined answers): prove it with authKey,
// then open the released copy with HKDF(pinKey ‖ s).
async function unlockWithSecret({ challengeId, customerId, step, kind, secretText, salt }) {
  const keys = await deriveKeys(secretText, fromB64url(salt));
  const release = await post(challengeId, step, { authKey: b64url(keys.authKey) });
  return open(await wrapKey(keys.pinKey, fromB64url(release.secret)), release.wrappedShard, customerId, kind);
}

export function unlockWithPin({ challengeId, customerId, pin, salt }) {
  return unlockWithSecret({ challengeId, customerId, step: "pin/verify", kind: "pin", secretText: pin, salt });
}

export function unlockWithQuestions({ challengeId, customerId, answers, salt }) {
  return unlockWithSecret({
    challengeId, customerId, step: "restore/questions", kind: "questions", secretText: answersSecret(answers), salt,
  });
}

// Server-assisted: the emailed code releases the escrowed recovery key.
export async function unlockWithEmailCode({ challengeId, customerId, code }) {
  const release = await post(challengeId, "restore/email/confirm", { code });
  return open(await rawAesKey(fromB64url(release.recoveryKey)), release.wrappedShard, customerId, "email");
}

// wallet_create (CREATE_WALLET, after the PIN unlock): derive u from the open shard, send U and
// its proof on the customer's first wallet, take v and t_i for this challenge, compute k_i,
// check k_i·G against the address the server computed, and prove it to the server by signing
// a confirmation with k_i. u, v, t_i and k_i are wiped as soon as they are used; only U, the
// proof and the confirmation signature are sent.
import { post, ApiError } from "./api.js";
import { $, show, guarded } from "./ui.js";
import {
  userShare, proveUserShare, jointPublicKey, walletKey, addressOf, sameAddress, confirmAddress,
  bytesToHex, hexToBytes, wipe,
} from "./wallet.js";
import { gettext } from "./i18n.js";

const MISMATCH = gettext("This device's key does not match your wallet key, so no wallet was created. Contact support.");

async function deriveAndConfirm(ctx) {
  const u = userShare(ctx.shard);
  try {
    const body = {};
    if (ctx.data.hasWalletKey !== "true") {
      const { userPublicKey, proof } = proveUserShare(u, ctx.challengeId, ctx.customerId);
      body.userPublicKey = bytesToHex(userPublicKey);
      body.proof = bytesToHex(proof);
    }
    const release = await post(ctx.challengeId, "wallet/keys", body);
    const v = hexToBytes(release.serverShare);
    const t = hexToBytes(release.tweak);
    let k = null;
    try {
      if (bytesToHex(jointPublicKey(u, v)) !== release.publicKey) throw new ApiError(422, { message: MISMATCH });
      k = walletKey(u, v, t);
      if (!sameAddress(addressOf(k), release.address)) throw new ApiError(422, { message: MISMATCH });
      const signature = confirmAddress(k, ctx.challengeId, release.address);
      return await post(ctx.challengeId, "wallet/confirm", {
        confirmations: [{ address: release.address, signature: bytesToHex(signature) }],
      });
    } finally {
      wipe(v, t, k);
    }
  } finally {
    wipe(u);
  }
}

function listWallets(wallets) {
  const list = $("wallet-list");
  list.replaceChildren();
  for (const wallet of wallets) {
    const item = document.createElement("li");
    const chain = document.createElement("strong");
    chain.textContent = wallet.blockchain;
    const address = document.createElement("code");
    address.textContent = wallet.address;
    item.append(chain, " ", address);
    list.append(item);
  }
  $("wallet-created").hidden = false;
}

export const walletCreate = {
  wire(ctx, done) {
    const form = $("wallet-form");
    const button = form.querySelector("button[type=submit]");
    let created = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (created) { done(form); return; }
      const ok = await guarded(form, gettext("Creating your wallet keys on this device…"), async () => {
        const result = await deriveAndConfirm(ctx);
        listWallets(result.wallets);
      });
      if (ok) {
        created = true;
        button.textContent = gettext("Continue");
        button.focus();
      } else {
        button.textContent = gettext("Try again");
      }
    });
  },
  enter(ctx, step) {
    show(step.section);
    // Entering the PIN was the approval: start at once (the button retries after an error).
    $("wallet-form").requestSubmit();
  },
};

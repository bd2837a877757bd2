// wallet_sign and wallet_export (after the PIN unlock), and declining a request.
// Signing: take v, t_i and the server's digest for this challenge, rebuild k_i = u + v + t_i,
// check that k_i is the wallet's key (its address), sign the digest (RFC 6979, low-s), wipe the
// scalars and send only the signature. Export: after the user's explicit confirmation, rebuild each
// wallet's key and show it on this page only (hidden until revealed); nothing of it is sent.
import { post, ApiError } from "./api.js";
import { $, show, guarded, setFieldError, setFormError } from "./ui.js";
import { wireDecline } from "./decline.js";
import { userShare, walletKey, addressOf, sameAddress, signDigest, bytesToHex, hexToBytes, wipe } from "./wallet.js";
import { gettext } from "./i18n.js";

const MISMATCH = gettext("This device's key does not match this wallet, so nothing was signed. Contact support.");

async function signOnDevice(ctx) {
  const u = userShare(ctx.shard);
  try {
    const release = await post(ctx.challengeId, "sign/keys");
    const v = hexToBytes(release.serverShare);
    const t = hexToBytes(release.tweak);
    const digest = hexToBytes(release.digest);
    let k = null;
    try {
      if (digest.length !== 32 || !sameAddress(release.address, ctx.data.address)) {
        throw new ApiError(422, { message: MISMATCH });
      }
      k = walletKey(u, v, t);
      // k_i·G = P_i, checked through its address (keccak256 of P_i).
      if (!sameAddress(addressOf(k), ctx.data.address)) throw new ApiError(422, { message: MISMATCH });
      const signature = signDigest(k, digest);
      return await post(ctx.challengeId, "sign/submit", { signature: bytesToHex(signature) });
    } finally {
      wipe(v, t, k);
    }
  } finally {
    wipe(u);
  }
}

export const walletSign = {
  wire(ctx, done) {
    wireDecline(ctx);
    const form = $("sign-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const ok = await guarded(form, gettext("Signing on this device…"), () => signOnDevice(ctx));
      if (ok) done(form);
    });
  },
  enter(ctx, step) {
    show(step.section);
    // Entering the PIN was the approval: sign at once (the button retries after an error).
    $("sign-form").requestSubmit();
  },
};

function keyItem(entry, hexKey, n) {
  const item = document.createElement("li");
  const title = document.createElement("p");
  const chains = document.createElement("strong");
  chains.textContent = entry.wallets.map((w) => w.blockchain).join(", ");
  const address = document.createElement("code");
  address.textContent = entry.address;
  title.append(chains, " ", address);
  const label = document.createElement("label");
  label.htmlFor = `export-key-${n}`;
  label.textContent = gettext("Private key");
  const input = document.createElement("input");
  input.id = `export-key-${n}`;
  input.type = "password";
  input.readOnly = true;
  input.autocomplete = "off";
  input.spellcheck = false;
  input.value = hexKey;
  input.dataset.address = entry.address;
  const reveal = document.createElement("button");
  reveal.type = "button";
  reveal.className = "secondary";
  reveal.textContent = gettext("Reveal");
  reveal.setAttribute("aria-controls", input.id);
  reveal.addEventListener("click", () => {
    const hidden = input.type === "password";
    input.type = hidden ? "text" : "password";
    reveal.textContent = hidden ? gettext("Hide") : gettext("Reveal");
  });
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "secondary";
  copy.textContent = gettext("Copy");
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = gettext("Copied.");
    } catch {
      status.textContent = gettext("Copying is not allowed here: reveal the key and copy it by hand.");
    }
  });
  const actions = document.createElement("div");
  actions.className = "actions";
  actions.append(reveal, copy, status);
  item.append(title, label, input, actions);
  return item;
}

async function exportOnDevice(ctx) {
  const release = await post(ctx.challengeId, "export/keys", { confirmed: true });
  const u = userShare(ctx.shard);
  const v = hexToBytes(release.serverShare);
  const items = [];
  try {
    release.keys.forEach((entry, n) => {
      const t = hexToBytes(entry.tweak);
      const k = walletKey(u, v, t);
      try {
        if (!sameAddress(addressOf(k), entry.address)) throw new ApiError(422, { message: MISMATCH });
        items.push(keyItem(entry, "0x" + bytesToHex(k), n));
      } finally {
        wipe(t, k);
      }
    });
  } finally {
    wipe(u, v);
  }
  return items;
}

export const walletExport = {
  wire(ctx, done) {
    wireDecline(ctx);
    const form = $("export-form");
    const confirm = $("export-confirm");
    const button = form.querySelector("button[type=submit]");
    const list = $("export-keys");
    let shown = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (shown) {
        // Done: the keys leave the page before it goes back to the app.
        for (const input of list.querySelectorAll("input")) input.value = "";
        list.replaceChildren();
        done(form);
        return;
      }
      if (!confirm.checked) {
        setFieldError(confirm, gettext("Tick the box to confirm you understand what exporting means."));
        confirm.focus();
        return;
      }
      setFieldError(confirm, "");
      let items = [];
      const ok = await guarded(form, gettext("Rebuilding your keys on this device…"), async () => {
        items = await exportOnDevice(ctx);
      });
      if (!ok) return;
      shown = true;
      list.replaceChildren(...items);
      list.hidden = false;
      $("export-warning").hidden = true;
      confirm.closest(".field").hidden = true;
      for (const decline of form.querySelectorAll("[data-decline]")) decline.hidden = true;
      $("step-export").querySelector("h2").textContent = gettext("Your private keys");
      setFormError(form, "");
      button.textContent = gettext("Done");
      button.focus();
    });
  },
};

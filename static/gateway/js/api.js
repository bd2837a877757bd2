// JSON calls to the gateway's step endpoints, with Django's CSRF token from the page's meta tag.
import { gettext } from "./i18n.js";
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || gettext("Something went wrong. Please try again."));
    this.status = status;
    this.code = body && body.code;
    this.errors = body && body.errors;
  }
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export async function post(challengeId, step, body = {}) {
  let response;
  try {
    response = await fetch(`/gateway/api/${challengeId}/${step}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { message: gettext("We could not reach the server. Check your connection and try again.") });
  }
  let data;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data.data;
}

// Keep what someone types into a care plan form as a draft, so that nothing is lost if they are
// interrupted. A form opts in with data-autosave-url; its status line (data-autosave-status, a
// polite live region) says when the typing was last kept. Without JavaScript the form works the
// same, without drafts. No inline script: this is loaded as a module by app.js (CSP).

const DELAY_MS = 2000;

function timeNow() {
  return new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
}

function say(form, text) {
  const status = form.querySelector("[data-autosave-status]");
  if (status) {
    status.textContent = text;
  }
}

async function keepDraft(form) {
  const body = new FormData(form);
  const token = body.get("csrfmiddlewaretoken");
  try {
    const response = await fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? String(token) : "", Accept: "application/json" },
    });
    if (!response.ok) {
      throw new Error(`Draft not kept: ${response.status}`);
    }
    const answer = await response.json();
    say(form, `Draft saved at ${answer.saved_at_text || timeNow()}`);
  } catch {
    say(form, "Your typing could not be kept as a draft. Save the form to keep it.");
  }
}

export function startAutosave(root = document) {
  for (const form of root.querySelectorAll("form[data-autosave-url]")) {
    let timer = 0;
    let submitting = false;
    form.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        if (!submitting) {
          keepDraft(form);
        }
      }, DELAY_MS);
    });
    form.addEventListener("submit", () => {
      submitting = true;
      window.clearTimeout(timer);
    });
  }
}

startAutosave();

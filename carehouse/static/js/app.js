// Start the NHS.UK frontend components (served locally; no inline scripts, for the CSP).
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";
import "./autosave.js";

initAll();

// A job page refreshes itself while the job is running.
const job = document.querySelector("[data-job-refresh]");
if (job) {
  window.setTimeout(() => window.location.reload(), Number(job.dataset.jobRefresh) || 2000);
}

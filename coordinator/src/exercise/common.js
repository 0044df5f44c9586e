// Shared by the operator console and the exercise dashboard: the access token (from the
// page's own link), escaping, the status line, reading state and posting actions.
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const auth = { "Authorization": "Bearer " + token };

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// A UTC timestamp as people read it: "Wed 5 Nov 08:34:03 UTC" (milliseconds dropped).
function readable(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return String(iso ?? "");
  const day = d.toLocaleDateString("en-GB", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" });
  return day.replace(",", "") + " " + d.toISOString().slice(11, 19) + " UTC";
}

function say(text, ok) {
  const m = document.getElementById("message");
  m.textContent = text;
  m.className = ok ? "ok" : "error";
}

// The page's state from the API, or null (after saying why, or replacing the page when
// the token is refused).
async function fetchState(path) {
  let r;
  try { r = await fetch(path, { headers: auth }); } catch (e) { say("the exercise server does not answer", false); return null; }
  if (r.status === 403) {
    document.body.innerHTML = '<h1 id="refused">Access refused</h1><p>This access token is not valid for this exercise.</p>';
    return null;
  }
  return r.ok ? r.json() : null;
}

// Posts an action; says what came of it and refreshes the page soon after.
async function post(path, body, refresh) {
  const r = await fetch(path, { method: "POST", headers: Object.assign({ "Content-Type": "application/json" }, auth), body: JSON.stringify(body || {}) });
  let answer = {};
  try { answer = await r.json(); } catch (e) { answer = { error: "HTTP " + r.status }; }
  if (r.ok) say("done: " + (answer.queued || answer.done || "queued") + (answer.id ? " " + answer.id : ""), true);
  else say(answer.error || ("HTTP " + r.status), false);
  setTimeout(refresh, 150);
  return r.ok;
}

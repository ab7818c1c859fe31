// The voting page: choose, review in plain words, sign with this device's key, send, then show the receipt.
import {ensureKey, forgetKey} from "./keys.js";
import {signTagged} from "./canonical.js";

function answers(form) {
  const chosen = {};
  for (const input of form.querySelectorAll("input[type=radio]:checked")) chosen[input.name.slice(5)] = input.value;
  return chosen;
}

function review(form) {
  const summary = form.querySelector("[data-summary]");
  const chosen = answers(form);
  const unanswered = [];
  summary.replaceChildren();
  for (const question of form.querySelectorAll("fieldset.question")) {
    const input = question.querySelector("input:checked");
    const line = document.createElement("li");
    line.textContent = `${question.dataset.title}: ${input ? input.dataset.label.toUpperCase() : form.dataset.noAnswer}`;
    summary.append(line);
    if (!input) unanswered.push(question.dataset.item);
  }
  if (!Object.keys(chosen).length) throw new Error("Отметьте ответ хотя бы на один вопрос.");
  // a partial ballot is lawful (an item without an answer is not counted for it), but the owner is asked first
  const partial = form.querySelector("[data-partial]");
  partial.textContent = partial.dataset.text.replace("ITEMS", unanswered.join(", "));
  partial.hidden = unanswered.length === 0;
  form.querySelector(".review").hidden = false;
  form.querySelector(".review button[type=submit]").focus();
}

async function send(form) {
  const status = document.getElementById("key-status");
  const key = await ensureKey(status);
  const d = form.dataset;
  const payload = {type: "ballot", v: 1, meeting_id: Number(d.meetingId), manifest_hash: d.manifestHash,
                   owner_id: d.ownerId, premises: JSON.parse(d.premises), answers: answers(form),
                   seq: Number(d.seq), prev: d.prev || null, key_id: key.keyId,
                   client_time: new Date().toISOString()};
  if (d.proxy) payload.proxy = d.proxy;
  const signature = await signTagged(key.privateKey, "OSS-BALLOT-v1", payload);
  const response = await fetch(d.url, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": d.csrf}, body: JSON.stringify({payload, signature})});
  const body = await response.json().catch(() => ({}));  // an error page from a proxy is not JSON
  if (response.status === 403 && body.field === "payload.key_id") {  // this device's key was revoked
    await forgetKey(status);
    throw new Error(`${body.detail} Ключ этого устройства заменён новым: отправьте бюллетень ещё раз.`);
  }
  if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
  window.location.assign(d.receiptUrl.replace("HASH", body.ballot_hash));
}

for (const form of document.querySelectorAll("form[data-ballot]")) {
  const error = form.querySelector("[data-error]");
  const section = form.querySelector(".review");
  const fail = (e) => { error.textContent = e.message; };
  const check = () => { error.textContent = ""; try { review(form); } catch (e) { fail(e); } };
  form.querySelector("[data-review]").addEventListener("click", check);
  form.querySelector("[data-edit]").addEventListener("click", () => {
    section.hidden = true;
    (form.querySelector("input[type=radio]:checked") || form.querySelector("input[type=radio]")).focus();
  });
  // a choice changed after the review: what was reviewed is no longer what would be signed
  form.addEventListener("change", () => { section.hidden = true; });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // Enter on a radio button submits the form too: nothing is signed before the owner has seen the review
    if (section.hidden) { check(); return; }
    error.textContent = "";
    const button = form.querySelector(".review button[type=submit]");
    button.disabled = true;
    send(form).catch((e) => { fail(e); button.disabled = false; });
  });
}

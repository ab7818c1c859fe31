// Paper decisions: the officer's device key signs the decision exactly as the server laid it out.
import {ensureKey} from "./keys.js";
import {signTagged} from "./canonical.js";

const status = document.getElementById("key-status");
const keyField = document.querySelector("[data-key-id]");
if (keyField && status) ensureKey(status).then((key) => { keyField.value = key.keyId; }).catch(() => {});

const form = document.querySelector("form[data-paper-sign]");
if (form) {
  form.addEventListener("submit", async (event) => {
    if (form.elements.signature.value) return;
    event.preventDefault();
    try {
      const key = await ensureKey(status);
      const payload = JSON.parse(form.elements.payload.value);
      form.elements.signature.value = await signTagged(key.privateKey, "OSS-PAPER-v1", payload);
      form.submit();
    } catch (error) {
      form.querySelector("[data-error]").textContent = error.message;
    }
  });
}

// A form that carries a payload the server laid out (a paper decision, a protocol's hash): the device key signs it
// under the form's tag, and the form is sent with the signature.
import {ensureKey} from "./keys.js";
import {signTagged} from "./canonical.js";

const status = document.getElementById("key-status");
const keyField = document.querySelector("[data-key-id]");
if (keyField && status) ensureKey(status).then((key) => { keyField.value = key.keyId; }).catch(() => {});

for (const form of document.querySelectorAll("form[data-sign-tag]")) {
  form.addEventListener("submit", async (event) => {
    if (form.elements.signature.value) return;
    event.preventDefault();
    try {
      const key = await ensureKey(status);
      if (form.elements.key_id) form.elements.key_id.value = key.keyId;
      const payload = JSON.parse(form.elements.payload.value);
      form.elements.signature.value = await signTagged(key.privateKey, form.dataset.signTag, payload);
      form.submit();
    } catch (error) {
      form.querySelector("[data-error]").textContent = error.message;
    }
  });
}

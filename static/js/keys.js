// Device keys: a non-extractable ECDSA P-256 key made by WebCrypto, kept in IndexedDB, registered by proving
// possession over a server nonce. The private key never leaves the browser.
import {b64} from "./canonical.js";

const DB = "veche", STORE = "keys";

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function stored(db, name, value) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, value === undefined ? "readonly" : "readwrite");
    const request = value === undefined ? tx.objectStore(STORE).get(name) : tx.objectStore(STORE).put(value, name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}


async function post(url, csrf, body) {
  const response = await fetch(url, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}, body: body && JSON.stringify(body)});
  const data = await response.json().catch(() => ({}));  // an error page from a proxy is not JSON
  if (!response.ok) throw new Error(data.detail || `${response.status} ${response.statusText}`);
  return data;
}

let pending = null;

// a key the server no longer accepts (revoked): forget it, so that the next ensureKey makes and registers a new one
export async function forgetKey(status) {
  const db = await openDb();
  await new Promise((resolve, reject) => {
    const request = db.transaction(STORE, "readwrite").objectStore(STORE).delete(`user-${status.dataset.user}`);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
  pending = null;
}

// one key per account and browser: made (or loaded) once per page, however many callers ask
export function ensureKey(status) {
  pending = pending || loadOrRegister(status).catch((error) => { pending = null; throw error; });
  return pending;
}

async function loadOrRegister(status) {
  const {nonceUrl, registerUrl, user, csrf} = status.dataset;
  const db = await openDb();
  const name = `user-${user}`;
  let record = await stored(db, name);
  if (!record) {
    // kept before it is registered, so that a page left half-way registers the same key next time
    const pair = await crypto.subtle.generateKey({name: "ECDSA", namedCurve: "P-256"}, false, ["sign", "verify"]);
    record = {privateKey: pair.privateKey, publicKey: pair.publicKey,
              spki: b64(await crypto.subtle.exportKey("spki", pair.publicKey))};
    await stored(db, name, record);
  }
  if (!record.keyId) {
    const {nonce, tag} = await post(nonceUrl, csrf);
    const signature = await crypto.subtle.sign({name: "ECDSA", hash: "SHA-256"}, record.privateKey,
                                               new TextEncoder().encode(tag + nonce));
    const label = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "browser";
    const {key_id} = await post(registerUrl, csrf, {public_key: record.spki, signature: b64(signature), label});
    record.keyId = key_id;
    await stored(db, name, record);
  }
  return record;
}

const status = document.getElementById("key-status");
if (status) {
  ensureKey(status)
    .then((key) => { status.textContent = `${status.dataset.ready} ${key.keyId.slice(0, 16)}`; status.dataset.keyId = key.keyId; })
    .catch((error) => { status.textContent = `${status.dataset.failed} ${error.message}`; });
}

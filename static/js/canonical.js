// RFC 8785 (JCS) for what ballots hold: objects, arrays, strings, integers, booleans and null. Keys sort by UTF-16
// code units (JavaScript's default sort) and strings and integers serialise as JSON.stringify does, as JCS says.
export function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  if (typeof value === "number" && !Number.isInteger(value)) throw new Error("no floats in signed data");
  return JSON.stringify(value);
}

export const b64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)));

export async function signTagged(privateKey, tag, value) {
  const bytes = new TextEncoder().encode(`${tag}\n${canonical(value)}`);
  return b64(await crypto.subtle.sign({name: "ECDSA", hash: "SHA-256"}, privateKey, bytes));
}

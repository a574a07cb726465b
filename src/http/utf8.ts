/**
 * A request body as text, only when it is valid UTF-8: JSON and form bodies are UTF-8 (RFC 8259
 * §8.1; the WHATWG URL standard's application/x-www-form-urlencoded parser). `request.text()`
 * would put U+FFFD in place of each bad byte, and the altered text would be taken for what the
 * client sent (an organization named with it at WorkOS, a client name on the consent page).
 */
const strict = new TextDecoder('utf-8', { fatal: true });

/** The body's text, or undefined when it is not valid UTF-8. */
export function utf8Text(bytes: ArrayBuffer | Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

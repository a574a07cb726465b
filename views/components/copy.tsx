/** @jsxImportSource @kitajs/html */

/**
 * Text to copy whole (a token, a command), wrapped rather than cut, with a Copy button that
 * views/assets/app.js reveals and runs (no inline script: the CSP forbids them). Without
 * JavaScript the button stays hidden and the text can be selected by hand.
 */
export function Copyable({ id, text, label }: { id: string; text: string; label: string }) {
  const box = `copy-${id}`;
  return (
    <div class="copyable" id={box}>
      <pre class="copy" data-testid={id} safe>
        {text}
      </pre>
      <div class="copy-row">
        <button type="button" class="secondary" data-copy={box} aria-label={`Copy ${label}`} hidden>
          Copy
        </button>
        <span class="copy-status" id={`${box}-copied`} role="status" aria-live="polite"></span>
      </div>
    </div>
  );
}

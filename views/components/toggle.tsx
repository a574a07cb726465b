/** @jsxImportSource @kitajs/html */
export interface ToggleProps {
  /** The setting this switch changes (sent as the `setting` field). */
  name: string;
  label: string;
  description: string;
  checked: boolean;
  /** Rendered off and greyed out (e.g. a dependent toggle while its parent is off). */
  disabled?: boolean;
  /** Why it is disabled, shown under the description. */
  disabledNote?: string;
  /** Who changed it last, shown under the description. */
  lastChange?: string;
  action: string;
  /** What htmx replaces with the answer (a CSS selector). */
  target: string;
  csrfToken: string;
}

/**
 * One on/off setting as its own small form. With htmx, flipping the switch is one POST
 * (`hx-trigger="change"`) whose answer replaces `target`. Without JavaScript, the Save button
 * inside `<noscript>` submits the same form and the server redirects back. The hidden `value=off`
 * precedes the checkbox, so the last `value` sent is the switch's state either way.
 */
export function Toggle(p: ToggleProps) {
  const id = `toggle-${p.name}`;
  return (
    <form
      method="post"
      action={p.action}
      class={p.disabled ? 'toggle-row disabled' : 'toggle-row'}
      data-setting={p.name}
      hx-post={p.action}
      hx-trigger="change"
      hx-target={p.target}
      hx-swap="outerHTML"
    >
      <input type="hidden" name="_csrf" value={p.csrfToken} />
      <input type="hidden" name="setting" value={p.name} />
      <input type="hidden" name="value" value="off" />
      <label class="switch" for={id}>
        <input
          type="checkbox"
          // biome-ignore lint/a11y/useAriaPropsForRole: a native checkbox exposes its own checked state; a static aria-checked would go stale on click
          role="switch"
          id={id}
          name="value"
          value="on"
          checked={p.checked}
          disabled={p.disabled === true}
          aria-describedby={`${id}-help`}
        />
        <span class="track" aria-hidden="true"></span>
        <span class="name" safe>
          {p.label}
        </span>
      </label>
      <div id={`${id}-help`} class="toggle-help">
        <p class="muted" safe>
          {p.description}
        </p>
        {p.disabled && p.disabledNote ? (
          <p class="muted note" safe>
            {p.disabledNote}
          </p>
        ) : (
          ''
        )}
        {p.lastChange ? (
          <p class="muted last-change" data-testid={`last-${p.name}`} safe>
            {p.lastChange}
          </p>
        ) : (
          ''
        )}
      </div>
      <noscript>
        <button type="submit" class="secondary">
          Save
        </button>
      </noscript>
    </form>
  );
}

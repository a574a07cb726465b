/** @jsxImportSource @kitajs/html */
import { escapeHtml } from '@kitajs/html';

/**
 * An identifier (event name, tool, email, client id) that may wrap only between its parts: a
 * `<wbr>` after each `_ . @ / : -`, so a narrow column shows `create_` / `workos_` /
 * `organization`, never `organiz` / `ation`. The text is escaped before the breaks are added.
 */
export function breakable(text: string): string {
  return escapeHtml(text).replace(/([_.@/:-]+)/g, '$1<wbr>');
}

/** `breakable` in a `<code>` (or a plain span), for table cells and headings. */
export function Ident({ text, code = false }: { text: string; code?: boolean }) {
  // Already escaped by `breakable` (the ts-html-plugin trusts names that start with `safe`).
  const safeHtml = breakable(text);
  return code ? <code class="ident">{safeHtml}</code> : <span class="ident">{safeHtml}</span>;
}

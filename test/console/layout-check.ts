import type { Page } from 'playwright-core';

/** The two widths every console page is judged at: a laptop and a phone (iPhone 12–15). */
export const WIDTHS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

/**
 * What is wrong with the page's layout as shown, as readable lines (empty: nothing):
 * - the page is wider than the viewport (`scrollWidth > innerWidth`);
 * - an element sticks out past the viewport's right edge;
 * - text is clipped: an element that hides or scrolls its overflow (hidden, clip, auto, scroll,
 *   ellipsis) is narrower than its content — except the elements marked `data-truncate`, which are
 *   meant to cut;
 * - an input's placeholder or a select's chosen option is wider than the box that shows it;
 * - an identifier (`.ident`, views/components/text.tsx) breaks inside one of its parts.
 */
export function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const iw = window.innerWidth;
    const root = document.documentElement;
    if (root.scrollWidth > iw) problems.push(`page is ${root.scrollWidth}px wide in a ${iw}px viewport`);
    const describe = (el: Element) => {
      const id = el.id ? `#${el.id}` : '';
      const cls = el.classList.length ? `.${[...el.classList].join('.')}` : '';
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 50);
      return `<${el.tagName.toLowerCase()}${id}${cls}> "${text}"`;
    };
    const canvas = document.createElement('canvas').getContext('2d')!;
    const textWidth = (text: string, cs: CSSStyleDeclaration) => {
      canvas.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      return canvas.measureText(text).width;
    };
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      const cs = getComputedStyle(el);
      if (
        cs.display === 'none' ||
        cs.visibility === 'hidden' ||
        el.closest('[hidden], template, title, head')
      )
        continue;
      const r = el.getBoundingClientRect();
      // Nothing to see (and visually hidden text such as a phone table's header row: 1×1 px).
      if (r.width <= 1 && r.height <= 1) continue;
      if (el.closest('[data-truncate]')) continue;
      if (r.right > iw + 0.5) problems.push(`${describe(el)} ends at ${Math.round(r.right)}px, past ${iw}px`);
      const hides = cs.overflowX !== 'visible' || cs.textOverflow === 'ellipsis';
      if (hides && el.scrollWidth > el.clientWidth + 1 && !(el instanceof HTMLSelectElement))
        problems.push(`${describe(el)} clips its text (${el.scrollWidth}px in ${el.clientWidth}px)`);
      const inner = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      if ((el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) && el.placeholder) {
        const w = textWidth(el.placeholder, cs);
        if (w > inner + 1) problems.push(`${describe(el)} cuts its placeholder "${el.placeholder}"`);
      }
      if (el instanceof HTMLSelectElement && el.selectedOptions[0]) {
        // Chromium draws the arrow inside the padding box: leave it 20px.
        const w = textWidth(el.selectedOptions[0].text, cs);
        if (w > inner - 20) problems.push(`${describe(el)} cuts its option "${el.selectedOptions[0].text}"`);
      }
      if (el.classList.contains('ident')) {
        // Each part between two <wbr> is one text node: each word of it must sit on one line.
        for (const node of el.childNodes) {
          if (node.nodeType !== Node.TEXT_NODE || !node.textContent) continue;
          // (A space inside a name, e.g. a client's, is a fair place to wrap.)
          const range = document.createRange();
          let top: number | undefined;
          for (let i = 0; i < node.textContent.length; i++) {
            if (/\s/.test(node.textContent[i]!)) {
              top = undefined;
              continue;
            }
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = range.getClientRects()[0];
            if (!rect) continue;
            if (top !== undefined && Math.abs(rect.top - top) > 2) {
              problems.push(`${describe(el)} breaks inside "${node.textContent}"`);
              break;
            }
            top = rect.top;
          }
        }
      }
    }
    return problems;
  });
}

/** Shows `path` at each width and returns every layout problem, prefixed with where it was seen. */
export async function problemsAcrossWidths(page: Page, url: string, label: string): Promise<string[]> {
  const out: string[] = [];
  for (const size of WIDTHS) {
    await page.setViewportSize(size);
    if (page.url() !== url) await page.goto(url);
    for (const p of await layoutProblems(page)) out.push(`${label} @${size.width}: ${p}`);
  }
  return out;
}

// The console's only script of its own, loaded from /assets (the CSP allows 'self' scripts and no
// inline ones). Copy buttons: <button data-copy="ID" hidden> copies the text of the <pre> in #ID
// (views/components/copy.tsx); they stay hidden without JavaScript, where the text is still there
// to select by hand.
(() => {
  const reveal = (root) => {
    for (const b of root.querySelectorAll('button[data-copy][hidden]')) b.hidden = false;
  };

  const fallbackCopy = (source) => {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    const done = document.execCommand('copy');
    selection.removeAllRanges();
    if (!done) throw new Error('copy refused');
  };

  const say = (button, text) => {
    const status = document.getElementById(`${button.dataset.copy}-copied`);
    if (!status) return;
    status.textContent = text;
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(() => {
      status.textContent = '';
    }, 4000);
  };

  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
    if (!button) return;
    const source = document.getElementById(button.dataset.copy)?.querySelector('pre');
    if (!source) return;
    const text = source.textContent.trim();
    try {
      if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(text);
      else fallbackCopy(source);
      say(button, 'Copied.');
    } catch {
      say(button, 'Could not copy: select the text and copy it by hand.');
    }
  });

  if (document.readyState === 'loading')
    document.addEventListener('DOMContentLoaded', () => reveal(document));
  else reveal(document);
  // Content htmx swaps in later (any version's event names): reveal its buttons too.
  new MutationObserver(() => reveal(document)).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
})();

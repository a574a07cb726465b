import { expect, test } from 'bun:test';
import { launchBrowser } from '../support/browser.ts';

// Kita escapes only `"` in attribute values; the patch under patches/ escapes `&` too
// (docs/architecture.md "Console"). What a browser makes of the rendered value is what counts.
const typed = ['Tom &amp; Jerry', 'a&commat;b', '&lt;b&gt;', '"q" & \'s\'', '&#x41;&#65;', 'plain'];

test('attribute values — `&` and `"` are escaped, and nothing else is touched', () => {
  // Values as expressions: a JSX string literal has its character references decoded already.
  expect(<input value={'Tom &amp; Jerry'} />).toBe('<input value="Tom &amp;amp; Jerry"/>');
  expect(<a href={'/x?a=1&copy=2'}>Next page</a>).toBe('<a href="/x?a=1&amp;copy=2">Next page</a>');
  expect(<input value={'say "hi" <b>'} />).toBe('<input value="say &#34;hi&#34; <b>"/>');
  expect(<input value={'plain'} />).toBe('<input value="plain"/>');
});

test('attribute values — a browser reads back exactly what was rendered, character references included', async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setContent(
      (
        <form>
          {typed.map((v, i) => (
            <input name={`f${i}`} value={v} />
          ))}
          <a href={'https://good.example&commat;evil.example/cb?a=1&copy=2'}>Return to the application</a>
        </form>
      ) as string,
    );
    const values = await page.$$eval('input', (inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    expect(values).toEqual(typed);
    const href = await page.$eval('a', (a) => a.getAttribute('href'));
    expect(href).toBe('https://good.example&commat;evil.example/cb?a=1&copy=2');
  } finally {
    await browser.close();
  }
});

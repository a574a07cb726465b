import { expect, test } from 'bun:test';
import { ErrorPage } from '../../views/pages/error.tsx';

test('error page — an action link escapes & so no character reference changes where it goes', () => {
  const html = ErrorPage({
    status: 400,
    title: 'That request was not valid',
    message: 'm',
    action: { href: 'https://good.example&commat;evil.example/cb?a=1&b=2', label: 'Return' },
  }) as string;
  const href = /<a class="action" href="([^"]+)"/.exec(html)![1]!;
  expect(href).toBe('https://good.example&amp;commat;evil.example/cb?a=1&amp;b=2');
});

import { expect, test } from 'bun:test';
import { fetchMetadataDocument } from '../../src/oauth/clients/metadata-document.ts';
import { guardedFetch } from '../../src/outbound/index.ts';

test('metadata document on a loopback host — refused by the outbound guard with one readable sentence', async () => {
  const r = await fetchMetadataDocument('https://127.0.0.1/client.json', (url) => guardedFetch(url));
  expect(r.ok).toBe(false);
  const message = `The client metadata document ${(r as { message: string }).message}.`;
  expect(message).toBe(
    'The client metadata document could not be fetched: Refused outbound URL https://127.0.0.1/client.json: the host 127.0.0.1 is loopback (127.0.0.0/8).',
  );
});

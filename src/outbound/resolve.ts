import { lookup } from 'node:dns/promises';
import { AppError } from '../errors/app-error.ts';
import { classifyAddress } from './ip.ts';
import { ipLiteral } from './url.ts';

/** Turns a host name into its IP addresses; injectable so tests never touch real DNS. */
export type Resolver = (host: string) => Promise<string[]>;

/**
 * The system resolver (getaddrinfo, so /etc/hosts applies too), every address in resolver order.
 */
export const systemResolver: Resolver = async (host) => {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((a) => a.address);
};

function describe(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Resolves `hostname` (as WHATWG URL gives it) and checks every address. One refused address
 * refuses the host: a name answering both a public and a private address is how DNS
 * rebinding gets a request past a check that looks at only one of them. IP literals are
 * checked as they are, without resolution.
 *
 * @returns the allowed addresses, deduplicated, in resolver order.
 * @throws AppError `forbidden` for a refused address, `upstream_failed` when resolution fails.
 */
export async function resolveAllowed(
  hostname: string,
  resolver: Resolver = systemResolver,
): Promise<string[]> {
  const literal = ipLiteral(hostname);
  const addresses = literal !== undefined ? [literal] : await resolveName(hostname, resolver);
  for (const address of addresses) {
    const verdict = classifyAddress(address);
    if (!verdict.allowed) {
      throw new AppError(
        'forbidden',
        `Refused outbound call to ${hostname}: it resolves to ${verdict.reason}.`,
        {
          hint: 'Gatehouse does not call hosts that resolve to private, loopback, link-local or metadata addresses.',
        },
      );
    }
  }
  return [...new Set(addresses)];
}

async function resolveName(hostname: string, resolver: Resolver): Promise<string[]> {
  let addresses: string[];
  try {
    addresses = await resolver(hostname);
  } catch (e) {
    throw new AppError('upstream_failed', `Could not resolve ${hostname}: ${describe(e)}.`, { cause: e });
  }
  if (addresses.length === 0) {
    throw new AppError('upstream_failed', `Could not resolve ${hostname}: no addresses.`);
  }
  return addresses;
}

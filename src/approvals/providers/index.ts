import { github } from './github.ts';
import { linear } from './linear.ts';
import { notion } from './notion.ts';
import { slack } from './slack.ts';
import { snowflake } from './snowflake.ts';
import type { Provider } from './types.ts';

export type { Provider, ProviderRequest } from './types.ts';

/** Every provider Gatehouse can call through WorkOS Pipes. Adding one: a module plus a line here. */
export const PROVIDERS: Provider[] = [linear, notion, snowflake, github, slack];

/** The provider with this WorkOS Pipes slug. */
export function providerById(id: string): Provider | undefined {
  return PROVIDERS.find((p) => p.id === id);
}

/** The first provider whose API this URL belongs to; `undefined` when none claims it. */
export function providerForUrl(url: URL): Provider | undefined {
  return PROVIDERS.find((p) => p.matchesUrl(url));
}

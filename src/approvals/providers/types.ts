/** One outbound call as an agent asked for it, before Gatehouse adds the provider token. */
export interface ProviderRequest {
  /** HTTP method, upper-case. */
  method: string;
  url: URL;
  /** The raw body text that will be sent, if any. */
  body: string | undefined;
}

/**
 * A third-party API reached through WorkOS Pipes. Adding a provider is one module exporting one of
 * these, registered in `index.ts`.
 */
export interface Provider {
  /** The WorkOS Pipes provider slug. */
  id: 'linear' | 'notion' | 'snowflake' | 'github' | 'slack' | string;
  /** Display name. */
  name: string;
  /** One line for agents: what the API is, base URL, docs link. */
  description: string;
  /** True when this URL belongs to the provider's API (https only, exact host rules, path rules). */
  matchesUrl(url: URL): boolean;
  /** Hostnames the outbound guard may connect to for this provider (a predicate, e.g. Snowflake accounts). */
  allowsHost(host: string): boolean;
  /** True when the request changes data (needs write authority). Unknown or unparseable ⇒ write (fail closed). */
  isWrite(req: ProviderRequest): boolean;
  /** Extra headers the provider needs besides `Authorization: Bearer <token>` (e.g. Notion-Version). */
  headers(req: ProviderRequest): Record<string, string>;
  /** Example URL for agents. */
  example: string;
}

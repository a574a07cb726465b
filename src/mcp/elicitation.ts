/**
 * What a client declared it can be asked (MCP elicitation), and what that means for how its
 * session's calls are answered.
 */
import { messageCalling } from './json-rpc.ts';

/**
 * The elicitation modes a client declared at initialize (MCP 2025-11-25): `elicitation: {}` is
 * form mode (the pre-mode meaning, kept for compatibility), `{ form: {} }` form, `{ url: {} }`
 * URL mode only, `{ form: {}, url: {} }` both.
 */
export function elicitationModes(declared: unknown): { form: boolean; url: boolean } {
  if (!declared || typeof declared !== 'object' || Array.isArray(declared))
    return { form: false, url: false };
  const caps = declared as { form?: unknown; url?: unknown };
  const url = caps.url !== undefined;
  return { form: caps.form !== undefined || !url, url };
}

/**
 * Whether a session answers its calls in one JSON body (src/mcp/answers.ts): yes, unless its
 * client declared elicitation at initialize, since Gatehouse's questions to the human (delete
 * confirmations, links to approve) ride the call's own SSE stream.
 */
export function answersInJson(body: unknown): boolean {
  // The initialize request, alone or in a batch.
  const initialize = messageCalling(body, 'initialize');
  const declared = (initialize?.params as { capabilities?: { elicitation?: unknown } } | undefined)
    ?.capabilities?.elicitation;
  const modes = elicitationModes(declared);
  return !modes.form && !modes.url;
}

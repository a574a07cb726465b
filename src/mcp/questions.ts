/**
 * Direct questions to the human for 2026-07-28 clients (docs/architecture.md, "The MCP surface
 * and the policy pipeline", destructive gate). That revision has no server→client requests: a
 * handler answers `input_required` with the question embedded, and the client retries the same
 * call with the human's answer and the server's `requestState` echoed verbatim (MCP 2026-07-28,
 * basic/patterns/mrtr). The state round-trips through the client, so it is integrity-protected
 * (HMAC-SHA256, the SDK's `createRequestStateCodec`), bound to the caller's authorization and
 * short-lived (server requirements 4–5 of that page); what it carries — the nonce of a
 * single-use confirmation row bound to the tool, the exact arguments and the environment — is
 * spent atomically by the gate, so a replayed retry confirms nothing.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  type ElicitRequestFormParams,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { QUESTION_TTL_MS } from '../config/constants.ts';
import type { QuestionRound } from '../policy/tool-call.ts';
import { principalOf } from './auth-info.ts';
import { elicitationModes } from './elicitation.ts';

/** What the requestState carries: the nonce of the confirmation the question asks for. */
interface QuestionState {
  v: 1;
  nonce: string;
}

export type QuestionCodec = RequestStateCodec<QuestionState>;

/** The codec for this deployment's key (at least 32 bytes; kept in the data directory). */
export function questionCodec(key: string): QuestionCodec {
  return createRequestStateCodec<QuestionState>({
    key,
    ttlSeconds: QUESTION_TTL_MS / 1000,
    // The state is refused when echoed under another authorization (token family).
    bind: (ctx) => `tools/call\0${principalOf(ctx.http?.authInfo).familyId}`,
  });
}

/**
 * The question round of a 2026-07-28 tools/call whose client declared form elicitation in the
 * request's own capabilities; undefined otherwise (the gate then falls back to a token, or to
 * the console when the team wants a person).
 */
export function questionRound(ctx: ServerContext, codec: QuestionCodec): QuestionRound | undefined {
  const declared = (
    ctx.mcpReq.envelope as Record<string, { elicitation?: unknown } | undefined> | undefined
  )?.[CLIENT_CAPABILITIES_META_KEY];
  if (!elicitationModes(declared?.elicitation).form) return undefined;
  // Already verified by the server's requestState hook (integrity, binding, expiry).
  const state = ctx.mcpReq.requestState<QuestionState | string>();
  const responses = ctx.mcpReq.inputResponses;
  return {
    answering: typeof state === 'object' && state?.v === 1 ? state.nonce : undefined,
    answer(key) {
      const view = inputResponse(responses, key);
      return view.kind === 'elicit' ? { action: view.action, content: view.content } : undefined;
    },
    async ask(key: string, params: ElicitRequestFormParams, nonce: string): Promise<InputRequiredResult> {
      const { mode: _mode, ...form } = params;
      return inputRequired({
        inputRequests: { [key]: inputRequired.elicit(form) },
        requestState: await codec.mint({ v: 1, nonce }, ctx),
      });
    },
  };
}

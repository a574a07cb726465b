import {
  INTERNAL_ERROR,
  isInputRequiredResult,
  ProtocolError,
  Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { AppContext } from '../app/context.ts';
import { VERSION } from '../cli/help.ts';
import { PRINCIPAL_CACHE_TTL_MS } from '../config/constants.ts';
import { unexpectedAnswer } from '../errors/database.ts';
import { listingContext, runToolCall } from '../policy/pipeline.ts';
import { traceContextOf } from '../telemetry/index.ts';
import type { McpSessionState } from '../tools/types.ts';
import { principalOf, requestIdOf } from './auth-info.ts';
import { questionRound } from './questions.ts';

/** How long a URL elicitation may wait for the client to acknowledge the link. */
const URL_ELICITATION_TIMEOUT_MS = 30_000;
/** How long a human has to answer a delete confirmation before the call falls back to a token. */
const FORM_ELICITATION_TIMEOUT_MS = 5 * 60_000;

const INSTRUCTIONS = `Gatehouse lets you manage this team's WorkOS account as the signed-in human, never more.
- Every session starts in sandbox; call switch_environment only when the human asks for production.
- Deletions are never executed on the first call: show the human what will be destroyed and pass the confirmation_token back only if they agree.
- Lists are paginated: follow next_page to see more.
- Third-party APIs (Linear, Notion, …) need a human's approval: request_elevated_access, then check_access_request.
- Call whoami when unsure what you may do.`;

/**
 * A low-level MCP server for one session (2025 era) or one request (2026-07-28 era). tools/list
 * and tools/call are answered per request from the caller's current principal, so a change of
 * role or team settings takes effect on the very next call.
 */
export function buildMcpServer(app: AppContext, session: McpSessionState | undefined): Server {
  const server = new Server(
    { name: 'gatehouse', title: 'Gatehouse (WorkOS)', version: VERSION },
    {
      capabilities: { tools: { listChanged: true } },
      instructions: INSTRUCTIONS,
      // 2026-07-28 questions: an echoed requestState is verified (HMAC, caller, expiry) before
      // the handler runs; a forged or stale one is refused with -32602 (src/mcp/questions.ts).
      requestState: { verify: (state, ctx) => app.questions.verify(state, ctx) },
      // 2026-07-28 caching hints: the list depends on the caller (private), and may be kept as
      // long as a role is (PRINCIPAL_CACHE_TTL_MS); the pipeline decides every call afresh anyway.
      cacheHints: { 'tools/list': { ttlMs: PRINCIPAL_CACHE_TTL_MS, cacheScope: 'private' } },
    },
  );

  server.setRequestHandler('tools/list', async (_req, ctx) => {
    const p = principalOf(ctx.http?.authInfo);
    try {
      return {
        tools: app.tools.visible(p, listingContext(app, p, { session })).map((d) => app.tools.wireOf(d)),
      };
    } catch (e) {
      throw handlerFailed(app, 'tools/list', e);
    }
  });

  server.setRequestHandler('tools/call', async (req, ctx) => {
    try {
      return await callTool(req, ctx);
    } catch (e) {
      throw handlerFailed(app, 'tools/call', e);
    }
  });

  const callTool = async (
    req: { params: { name: string; arguments?: Record<string, unknown> | undefined } },
    ctx: ServerContext,
  ) => {
    const p = principalOf(ctx.http?.authInfo);
    const result = await runToolCall(app, {
      principal: p,
      session,
      name: req.params.name,
      args: req.params.arguments,
      signal: ctx.mcpReq.signal,
      requestId: requestIdOf(ctx.http?.authInfo),
      ...traceContextOf(ctx),
      // relatedRequestId puts the question on this call's own stream: clients need not hold a
      // GET stream open to be asked.
      ...(session?.supportsElicitation
        ? {
            // A cancelled call withdraws its question (the SDK tells the client): an answer that
            // comes later confirms nothing.
            elicit: (params) =>
              ctx.mcpReq.elicitInput(params, {
                relatedRequestId: ctx.mcpReq.id,
                timeout: FORM_ELICITATION_TIMEOUT_MS,
                signal: ctx.mcpReq.signal,
              }),
          }
        : {}),
      // A 2026-07-28 request: no server→client requests, questions ride input_required.
      ...(session === undefined ? optional('question', questionRound(ctx, app.questions)) : {}),
      ...(session?.supportsUrlElicitation
        ? {
            // Sent on this call's own stream, ahead of its result (no GET stream needed); the
            // tool does not wait for the human's answer, which only says they opened the link.
            elicitUrl: (message: string, url: string, elicitationId: string) =>
              ctx.mcpReq
                .elicitInput(
                  { mode: 'url', message, url, elicitationId },
                  {
                    relatedRequestId: ctx.mcpReq.id,
                    timeout: URL_ELICITATION_TIMEOUT_MS,
                    signal: ctx.mcpReq.signal,
                  },
                )
                .then(() => undefined)
                .catch(() => undefined),
          }
        : {}),
    });
    const tool = app.tools.get(req.params.name);
    if (isInputRequiredResult(result)) return result;
    return result.isError || !tool
      ? result
      : server.projectCallToolResult(result, app.tools.wireOf(tool).outputSchema as Record<string, unknown>);
  };

  return server;
}

/**
 * A handler's unexpected failure (the pipeline answers a tool's failures as results; what is
 * left is Gatehouse's own): logged, and answered -32603 with a message that names nothing of it,
 * since the SDK would send the error's own message (a database's can name paths and values).
 */
function handlerFailed(app: AppContext, method: string, e: unknown): ProtocolError {
  app.log.error('mcp handler failed', {
    method,
    error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e),
  });
  const answer = unexpectedAnswer(e);
  return new ProtocolError(INTERNAL_ERROR, answer.message);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Step 5 of the pipeline (docs/architecture.md "The MCP surface and the policy pipeline"): the
 * destructive gate. A delete — or a write that changes how an organization signs in — first says
 * exactly what it would do and asks for confirmation; only a confirmed call goes on.
 *
 * Who may confirm, in the order they are tried:
 *   1. the human, asked directly: elicitation on a 2025-era session, or an `input_required`
 *      question on a 2026-07-28 request (src/mcp/questions.ts);
 *   2. by default, the agent, sending back a single-use token bound to the exact call (the hosted
 *      WorkOS MCP's behaviour);
 *   3. for a team whose deletions need a person, never the agent: the human answers in the
 *      console (/approvals), and the agent's retry of the exact call finds that answer.
 */
import type { CallToolResult, InputRequiredResult } from '@modelcontextprotocol/server';
import type { AppContext } from '../app/context.ts';
import { APPROVAL_REQUEST_TTL_MS, QUESTION_TTL_MS } from '../config/constants.ts';
import { AppError } from '../errors/app-error.ts';
import { filterValue } from '../secrets/filter.ts';
import type { ToolContext, ToolDefinition } from '../tools/types.ts';
import type { ConfirmationBinding } from './confirmation-binding.ts';
import type { ConfirmFailure } from './confirmations.ts';
import { type DenialReason, deny } from './denials.ts';
import { toToolResult } from './to-tool-result.ts';
import { auditActor, type ToolCall } from './tool-call.ts';

export type GateOutcome = true | { result: CallToolResult | InputRequiredResult; reason: DenialReason };

/** The arguments as the audit trail keeps them: a confirmation_token's value never, on any path. */
export function withoutConfirmationToken(args: unknown): unknown {
  if (!args || typeof args !== 'object' || Array.isArray(args) || !('confirmation_token' in args))
    return args;
  return { ...args, confirmation_token: '[redacted]' };
}

/** What is being confirmed, worded once for every channel. */
interface Prompt {
  /** One sentence for the human (already filtered). */
  summary: string;
  /** The form's checkbox title. */
  title: string;
  /** The question: the summary in its sentence. */
  question: string;
  /** Kept with the confirmation (shown in the console). */
  details: Record<string, unknown>;
  /** "Not deleted" / "Not done": what the agent hears when the human says no. */
  declined: string;
  /** The default path: the agent gets a token to send back. */
  tokenResult(token: string, until: string): CallToolResult;
}

/** Confirms a destructive or sign-in-changing call, or says why it does not go on. */
export async function confirmDestruction(
  app: AppContext,
  call: ToolCall,
  tool: ToolDefinition,
  ctx: ToolContext,
  args: Record<string, unknown>,
  timed: <T>(work: () => Promise<T>) => Promise<T>,
  /** Set for a write that changes how an organization signs in: what it would change. */
  signInChange?: string,
): Promise<GateOutcome> {
  if (!signInChange && !tool.describeDestruction)
    throw new Error(`${tool.name} is destructive but cannot describe what it destroys`);
  const binding: ConfirmationBinding = {
    familyId: call.principal.familyId,
    tool: tool.name,
    args,
    environment: ctx.environment,
  };
  const record = {
    ...auditActor(call),
    tool: tool.name,
    environment: ctx.environment,
    args: withoutConfirmationToken(args),
  };
  const filter = { pii: call.principal.settings.piiRedaction };
  const needsPerson = call.principal.settings.destructiveNeedsPerson;
  const token = typeof args.confirmation_token === 'string' ? args.confirmation_token : undefined;

  // A 2026-07-28 retry carrying the human's answer to our question: spend it, whatever it says.
  const answering = call.question?.answering;
  if (answering) {
    const used = app.confirmations.consume(answering, binding, record, 'question');
    if (!used.ok) throw staleAnswer(used.reason);
    const answer = call.question?.answer(QUESTION_KEY);
    if (answer?.action === 'accept' && answer.content?.confirm === true) return true;
    return declinedResult(`${signInChange ? 'Not done' : 'Not deleted'}: the human declined.`, filter);
  }

  if (token) {
    // The team asked for a person: only the human's own answer confirms, never the agent's token.
    if (needsPerson) {
      throw deny(
        'confirmation_needs_person',
        'forbidden',
        'Your team requires a person to confirm this: a confirmation_token sent by the agent is not accepted.',
        'Call the tool again without confirmation_token; the human will be asked directly or in the Gatehouse console.',
      );
    }
    const used = app.confirmations.consume(token, binding, record);
    if (used.ok) return true;
    throw invalid(used.reason);
  }

  // A person may already have answered this exact call in the console.
  if (needsPerson) {
    const answer = app.confirmations.person.answerFor(binding, record);
    if (answer.state === 'confirmed') return true;
    if (answer.state === 'declined')
      return declinedResult(
        `Not done: ${answer.by ?? 'the human'} declined it in the Gatehouse console.`,
        filter,
      );
    if (answer.state === 'waiting') return waitingResult(app, tool, answer.expiresAt, false);
  }

  // A delete that also changes how people sign in (a domain removed) is described as the delete
  // it is, with the sign-in change said too; a plain sign-in change has no destruction to describe.
  const destroys = tool.kind === 'destructive' || tool.destructiveFor?.(args) === true;
  const prompt = destroys
    ? await destructionPrompt(tool, ctx, args, filter, timed, signInChange)
    : signInPrompt(tool, signInChange!, args, filter);

  // 1. Ask the human directly, where the client can.
  if (call.question) {
    const { token: nonce } = app.confirmations.create({
      ...binding,
      userId: call.principal.userId,
      teamId: call.principal.teamId,
      summary: prompt.details,
      via: 'question',
      ttlMs: QUESTION_TTL_MS,
    });
    return {
      reason: 'confirmation_required',
      result: await call.question.ask(QUESTION_KEY, form(prompt), nonce),
    };
  }
  if (call.elicit) {
    const answer = await call.elicit(form(prompt)).catch(() => undefined);
    if (answer?.action === 'accept' && answer.content?.confirm === true) return true;
    if (answer) return declinedResult(`${prompt.declined}: the human declined. ${prompt.summary}`, filter);
    // The client advertised elicitation but did not answer: fall back to the next channel.
  }

  // 3. A person, in the console: one card per exact call, however often the agent retries.
  if (needsPerson) {
    const { expiresAt, created } = app.confirmations.person.open(
      {
        ...binding,
        userId: call.principal.userId,
        teamId: call.principal.teamId,
        summary: { ...prompt.details, summary: prompt.summary, arguments: shownArguments(args, filter) },
      },
      APPROVAL_REQUEST_TTL_MS,
    );
    return waitingResult(app, tool, expiresAt, created, prompt.summary);
  }

  // 2. The agent, with a single-use token bound to this exact call.
  const { token: confirmation, expiresAt } = app.confirmations.create({
    ...binding,
    userId: call.principal.userId,
    teamId: call.principal.teamId,
    summary: prompt.details,
  });
  return {
    reason: 'confirmation_required',
    result: prompt.tokenResult(confirmation, new Date(expiresAt).toISOString()),
  };
}

/** The arguments as the person is shown them (secrets stripped, the token left out). */
function shownArguments(args: Record<string, unknown>, filter: { pii: boolean }): unknown {
  const { confirmation_token: _token, ...rest } = args;
  return filterValue(rest, filter);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** The key of the confirmation question in `inputRequests` / `inputResponses`. */
const QUESTION_KEY = 'confirm';

function form(prompt: Prompt) {
  return {
    mode: 'form' as const,
    message: prompt.question,
    requestedSchema: {
      type: 'object' as const,
      properties: { confirm: { type: 'boolean' as const, title: prompt.title, description: prompt.summary } },
      required: ['confirm'],
    },
  };
}

async function destructionPrompt(
  tool: ToolDefinition,
  ctx: ToolContext,
  args: Record<string, unknown>,
  filter: { pii: boolean },
  timed: <T>(work: () => Promise<T>) => Promise<T>,
  signInChange?: string,
): Promise<Prompt> {
  const describe = tool.describeDestruction!.bind(tool);
  const destruction = await timed(() => describe(ctx, args));
  // The description comes from WorkOS: it passes the same filter as any result, on every path.
  const also = signInChange ? ` It would also ${signInChange}.` : '';
  const summary = `${filterValue(destruction.summary, filter)}${also}`;
  const willDestroy = filterValue(destruction.details, filter);
  return {
    summary,
    title: 'Delete permanently',
    question: `Confirm: ${summary} This cannot be undone.`,
    details: destruction.details,
    declined: 'Not deleted',
    tokenResult(token, until) {
      const structured = {
        status: 'confirmation_required' as const,
        will_destroy: willDestroy,
        confirmation_token: token,
        expires_at: until,
      };
      return {
        content: [
          {
            type: 'text',
            text: `Nothing was deleted yet. ${summary} To proceed, show this to the human, and only if they agree call ${tool.name} again with the same arguments plus confirmation_token "${token}" (valid until ${until}, single use).\n\n${JSON.stringify(structured, null, 1)}`,
          },
        ],
        structuredContent: structured,
      };
    },
  };
}

/**
 * A write that changes how an organization signs in is confirmed like a delete. Until then
 * nothing changes, and the agent is told so as an error it must not retry on its own.
 */
function signInPrompt(
  tool: ToolDefinition,
  change: string,
  args: Record<string, unknown>,
  filter: { pii: boolean },
): Prompt {
  // The person confirms the whole call, not only its sign-in part: everything else it sets is
  // named too (a rename, a replaced domain list, metadata…).
  const { organization_id: _id, confirmation_token: _t, environment: _e, ...rest } = args;
  const also = Object.keys(rest).length
    ? ` The same call also sends: ${clip(JSON.stringify(filterValue(rest, filter)), 1_000)}.`
    : '';
  // `domains` is a whole-list replacement in WorkOS: say so, since dropped domains are not in the call.
  const replaces =
    'domains' in rest
      ? ' `domains` replaces the organization’s whole list: any domain not listed is removed.'
      : '';
  const summary = `This would ${change}, which changes how that organization's people sign in.${also}${replaces}`;
  return {
    summary,
    title: 'Make this change',
    question: `Confirm: ${summary}`,
    details: { change },
    declined: 'Not done',
    tokenResult: (token, until) => ({
      isError: true,
      content: [
        {
          type: 'text',
          text: `Nothing was changed yet. ${summary} Show this to the human; only if they agree, call ${tool.name} again with the same arguments plus confirmation_token "${token}" (valid until ${until}, single use).`,
        },
      ],
    }),
  };
}

function declinedResult(message: string, filter: { pii: boolean }): GateOutcome {
  return {
    reason: 'confirmation_declined',
    result: toToolResult(new AppError('forbidden', message), filter),
  };
}

/** The team wants a person and the client cannot ask: the human answers in the console. */
function waitingResult(
  app: AppContext,
  tool: ToolDefinition,
  expiresAt: number,
  created: boolean,
  summary?: string,
): GateOutcome {
  const where = `${app.config.publicUrl}/approvals`;
  const until = new Date(expiresAt).toISOString();
  const opening = created
    ? `Nothing was changed yet. ${summary ?? ''} Your team requires a person to confirm this, and this client cannot ask them directly: it is now waiting for them in the Gatehouse console.`
    : 'Nothing was changed yet: the confirmation is still waiting for the human in the Gatehouse console.';
  return {
    reason: 'confirmation_pending',
    result: {
      isError: true,
      content: [
        {
          type: 'text',
          text: `${opening} Ask them to open ${where} and confirm or decline it (before ${until}); then call ${tool.name} again with exactly the same arguments. Do not retry before they have answered.`,
        },
      ],
    },
  };
}

function invalid(reason: ConfirmFailure) {
  return deny(
    'confirmation_invalid',
    'forbidden',
    confirmationMessage(reason),
    'Call the tool again without confirmation_token to get a fresh one.',
  );
}

/** A retry whose answer cannot confirm this call: nothing is done, and the agent asks afresh. */
function staleAnswer(reason: ConfirmFailure) {
  const why =
    reason === 'used'
      ? 'that question was already answered'
      : reason === 'expired'
        ? 'the question expired before the answer came'
        : 'the answer was given for a different call';
  return deny(
    'confirmation_invalid',
    'forbidden',
    `Not done: ${why}.`,
    'Call the tool again without an answer to ask the human afresh.',
  );
}

function confirmationMessage(reason: ConfirmFailure): string {
  switch (reason) {
    case 'unknown':
    case 'other_channel':
      return 'That confirmation_token is not valid.';
    case 'expired':
      return 'That confirmation_token has expired.';
    case 'used':
      return 'That confirmation_token was already used.';
    case 'other_caller':
      return 'That confirmation_token was issued to another connection.';
    case 'other_tool':
      return 'That confirmation_token was issued for a different tool.';
    case 'other_arguments':
      return 'That confirmation_token was issued for different arguments: it only confirms the exact call it was issued for.';
    case 'other_environment':
      return 'That confirmation_token was issued in another environment.';
  }
}

/**
 * Step 6 of the pipeline (docs/architecture.md "The MCP surface and the policy pipeline"): the destructive gate. A delete first describes exactly
 * what it would destroy and asks for confirmation; only a confirmed call goes on.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { AppContext } from '../app/context.ts';
import { AppError } from '../errors/app-error.ts';
import { filterValue } from '../secrets/filter.ts';
import type { ToolContext, ToolDefinition } from '../tools/types.ts';
import type { ConfirmFailure } from './confirmations.ts';
import { type DenialReason, deny } from './denials.ts';
import { toToolResult } from './to-tool-result.ts';
import { auditActor, type ToolCall } from './tool-call.ts';

/** The arguments as the audit trail keeps them: a confirmation_token's value never, on any path. */
export function withoutConfirmationToken(args: unknown): unknown {
  if (!args || typeof args !== 'object' || Array.isArray(args) || !('confirmation_token' in args))
    return args;
  return { ...args, confirmation_token: '[redacted]' };
}

/**
 * Describes what a delete would destroy and asks for confirmation: through elicitation when the
 * client supports it, else with a single-use confirmation_token the agent must send back.
 */
export async function confirmDestruction(
  app: AppContext,
  call: ToolCall,
  tool: ToolDefinition,
  ctx: ToolContext,
  args: Record<string, unknown>,
  timed: <T>(work: () => Promise<T>) => Promise<T>,
  /** Set for a write that changes how an organization signs in: what it would change. */
  signInChange?: string,
): Promise<true | { result: CallToolResult; reason: DenialReason }> {
  if (!signInChange && !tool.describeDestruction)
    throw new Error(`${tool.name} is destructive but cannot describe what it destroys`);
  const binding = { familyId: call.principal.familyId, tool: tool.name, args, environment: ctx.environment };
  const token = typeof args.confirmation_token === 'string' ? args.confirmation_token : undefined;
  // The team asked for a person: only the human's own answer confirms, never the agent's token.
  if (call.principal.settings.destructiveNeedsPerson) {
    if (token) {
      throw deny(
        'confirmation_needs_person',
        'forbidden',
        'Your team requires a person to confirm this: a confirmation_token sent by the agent is not accepted.',
        'Call the tool again without confirmation_token; your client will ask the human directly.',
      );
    }
    if (!call.elicit) {
      throw deny(
        'confirmation_needs_person',
        'forbidden',
        'Your team requires a person to confirm deletions and sign-in changes, and this client cannot ask the human directly (it does not support elicitation).',
        'Make the change in the WorkOS dashboard, or use an MCP client that supports elicitation.',
      );
    }
  }
  if (token) {
    const used = app.confirmations.consume(token, binding, {
      ...auditActor(call),
      tool: tool.name,
      environment: ctx.environment,
      args: withoutConfirmationToken(args),
    });
    if (used.ok) return true;
    throw deny(
      'confirmation_invalid',
      'forbidden',
      confirmationMessage(used.reason),
      'Call the tool again without confirmation_token to get a fresh one.',
    );
  }
  if (signInChange) return askBeforeSignInChange(app, call, tool, binding, signInChange);
  const describe = tool.describeDestruction!.bind(tool);
  const destruction = await timed(() => describe(ctx, args));
  // The description comes from WorkOS: it passes the same filter as any result, on every path.
  const filter = { pii: call.principal.settings.piiRedaction };
  const summary = filterValue(destruction.summary, filter);
  if (call.elicit) {
    const answer = await call
      .elicit({
        mode: 'form',
        message: `Confirm: ${summary} This cannot be undone.`,
        requestedSchema: {
          type: 'object',
          properties: {
            confirm: { type: 'boolean', title: 'Delete permanently', description: summary },
          },
          required: ['confirm'],
        },
      })
      .catch(() => undefined);
    if (answer?.action === 'accept' && answer.content?.confirm === true) return true;
    if (answer) {
      return {
        reason: 'confirmation_declined',
        result: toToolResult(
          new AppError('forbidden', `Not deleted: the human declined. ${summary}`),
          filter,
        ),
      };
    }
    // The client advertised elicitation but did not answer: fall back to the token (unless the
    // team wants a person, and no person answered).
  }
  if (call.principal.settings.destructiveNeedsPerson) throw noPersonAnswered();
  const { token: confirmation, expiresAt } = app.confirmations.create({
    ...binding,
    userId: call.principal.userId,
    teamId: call.principal.teamId,
    summary: destruction.details,
  });
  const structured = {
    status: 'confirmation_required' as const,
    will_destroy: filterValue(destruction.details, filter),
    confirmation_token: confirmation,
    expires_at: new Date(expiresAt).toISOString(),
  };
  return {
    reason: 'confirmation_required',
    result: {
      content: [
        {
          type: 'text',
          text: `Nothing was deleted yet. ${summary} To proceed, show this to the human, and only if they agree call ${tool.name} again with the same arguments plus confirmation_token "${confirmation}" (valid until ${structured.expires_at}, single use).\n\n${JSON.stringify(structured, null, 1)}`,
        },
      ],
      structuredContent: structured,
    },
  };
}

/**
 * A write that changes how an organization signs in is confirmed like a delete: by the human
 * (elicitation) or with a single-use token bound to this exact call. Until then nothing changes,
 * and the agent is told so as an error it must not retry on its own.
 */
async function askBeforeSignInChange(
  app: AppContext,
  call: ToolCall,
  tool: ToolDefinition,
  binding: {
    familyId: string;
    tool: string;
    args: Record<string, unknown>;
    environment: 'sandbox' | 'production';
  },
  change: string,
): Promise<true | { result: CallToolResult; reason: DenialReason }> {
  const summary = `This would ${change}, which changes how that organization's people sign in.`;
  if (call.elicit) {
    const answer = await call
      .elicit({
        mode: 'form',
        message: `Confirm: ${summary}`,
        requestedSchema: {
          type: 'object',
          properties: { confirm: { type: 'boolean', title: 'Make this change', description: summary } },
          required: ['confirm'],
        },
      })
      .catch(() => undefined);
    if (answer?.action === 'accept' && answer.content?.confirm === true) return true;
    if (answer) {
      return {
        reason: 'confirmation_declined',
        result: toToolResult(new AppError('forbidden', `Not done: the human declined. ${summary}`), {
          pii: call.principal.settings.piiRedaction,
        }),
      };
    }
  }
  if (call.principal.settings.destructiveNeedsPerson) throw noPersonAnswered();
  const { token, expiresAt } = app.confirmations.create({
    ...binding,
    userId: call.principal.userId,
    teamId: call.principal.teamId,
    summary: { change },
  });
  const until = new Date(expiresAt).toISOString();
  return {
    reason: 'confirmation_required',
    result: {
      isError: true,
      content: [
        {
          type: 'text',
          text: `Nothing was changed yet. ${summary} Show this to the human; only if they agree, call ${tool.name} again with the same arguments plus confirmation_token "${token}" (valid until ${until}, single use).`,
        },
      ],
    },
  };
}

function noPersonAnswered() {
  return deny(
    'confirmation_needs_person',
    'forbidden',
    'Your team requires a person to confirm this, and nobody answered the prompt: nothing was changed.',
    'Ask the human to answer the confirmation prompt in their client, then call again.',
  );
}

function confirmationMessage(reason: ConfirmFailure): string {
  switch (reason) {
    case 'unknown':
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

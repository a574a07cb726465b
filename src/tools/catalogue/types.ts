/**
 * One WorkOS API operation, declared once as data (issue 19 §2; docs/architecture.md "The MCP
 * surface and the policy pipeline"): the catalogue's `query` and `mutate` tools run it through
 * the same pipeline as a named tool, with the operation's own permission, kind and gates.
 */
import type { z } from 'zod';
import type { Permission } from '../../../db/schema/enums.ts';
import type { Destruction, ToolContext } from '../types.ts';

export type OperationKind = 'read' | 'write' | 'destructive';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Operation<P extends z.ZodObject = z.ZodObject> {
  /** `area.action`, e.g. `organization_domains.verify`. */
  name: string;
  /** The part before the dot: `list_operations {area}` filters on it. */
  area: string;
  /** One line for the agent. */
  summary: string;
  kind: OperationKind;
  /** What the caller needs (after scope narrowing); reads workos:read, writes workos:write or more. */
  permission: Permission;
  method: HttpMethod;
  /** The WorkOS path, `:name` segments filled from the parameters of that name. */
  path: string;
  /** Strict (unknown fields refused). Path parameters are ids: letters, digits, `_` and `-` only. */
  params: P;
  /** A DELETE whose parameters WorkOS takes as a JSON body (Radar lists), not as the query string. */
  deleteBody?: true;
  /** Parameters sent as the query string on a POST/PUT/PATCH (by default they all go in the body). */
  query?: readonly string[];
  /** Parameters Gatehouse uses itself (to check or describe the call) and never sends. */
  local?: readonly string[];
  /**
   * Parameters WorkOS names differently on the wire, by the catalogue's name (the catalogue says
   * `organization_id` everywhere; the Admin Portal's body calls it `organization`).
   */
  wireNames?: Readonly<Record<string, string>>;
  /**
   * What WorkOS holds now, read before anyone is asked to confirm the call (the pipeline's
   * precheck, ToolDefinition.precheck): throws for a call WorkOS or the named tool would refuse,
   * or returns a sign-in change only the current state shows.
   */
  precheck?(ctx: ToolContext, params: z.infer<P>): Promise<{ changesSignIn?: string } | undefined>;
  /** Fields of the response (at any depth) that are secrets: never shown. */
  secrets?: readonly string[];
  /** The WorkOS API reference page of this operation. */
  docs: string;
  /**
   * The organizations this call touches beyond those its parameters name, looked up in WorkOS
   * (a membership's, a domain's): a Gatehouse team's own organization is never touched.
   */
  organizations?(ctx: ToolContext, params: z.infer<P>): Promise<string[]>;
  /**
   * A write that destroys data only with some parameters (shortening audit-log retention deletes
   * older events): those calls pass the destructive gate as a destructive operation's do, with
   * `describe` saying what they would destroy.
   */
  destroysWhen?(params: z.infer<P>): boolean;
  /** Destructive operations: what the call would destroy, from WorkOS, before anything happens. */
  describe?(ctx: ToolContext, params: z.infer<P>): Promise<Destruction>;
  /**
   * Where a named tool already makes this call with checks of its own (generate_admin_portal_link's
   * refusals), the catalogue runs that: one description of the WorkOS call, the same answers.
   */
  run?(ctx: ToolContext, params: z.infer<P>): Promise<unknown>;
  /** A write that changes how an organization's people sign in: what it would change (see ToolDefinition). */
  changesSignIn?(params: z.infer<P>): string | undefined;
}

/** Keeps each declaration's parameter type for its hooks, then widens it for the catalogue. */
export function defineOperation<P extends z.ZodObject>(op: Operation<P>): Operation {
  return op as unknown as Operation;
}

/** What the catalogue never offers, and why (issue 19 §2; the hosted WorkOS MCP's "Limitations"). */
export interface Excluded {
  what: string;
  why: string;
  /** Lower-case words a search for it would use. */
  terms: readonly string[];
}

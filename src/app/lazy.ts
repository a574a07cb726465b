import type { McpEndpoint } from '../mcp/endpoint.ts';
import type { QuestionCodec } from '../mcp/questions.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import type { AppContext } from './context.ts';

/**
 * What serving needs only once an agent calls: the MCP endpoint (the MCP SDK and its protocol
 * schemas, the policy pipeline), the question codec and the tool registry (every tool's schemas).
 * They are loaded on first use instead of at start (docs/architecture.md "Operating it"), so a
 * server is ready sooner and an idle one holds less. Loading is synchronous — `require` of an ES
 * module, which Bun evaluates on the spot — so every caller keeps its synchronous shape; the
 * first MCP request (or the first /audit page, which lists the tools) pays for it once.
 */

/** Every tool the registry serves (src/tools), built on first use. */
export function loadToolRegistry(): ToolRegistry {
  const { ALL_TOOLS } = require('../tools/index.ts') as typeof import('../tools/index.ts');
  const { ToolRegistry } = require('../tools/registry.ts') as typeof import('../tools/registry.ts');
  return new ToolRegistry(ALL_TOOLS);
}

/** The codec sealing a 2026-07-28 question's state, with the data dir's `request-state` secret. */
export function loadQuestionCodec(secret: string): QuestionCodec {
  const { questionCodec } = require('../mcp/questions.ts') as typeof import('../mcp/questions.ts');
  return questionCodec(secret);
}

export interface LazyMcpEndpoint {
  /**
   * Stands for the endpoint: its handler, `live` and `sessions` load it; `notifyToolsChanged`
   * and `close` act only on a loaded one (before it, nobody is listening).
   */
  endpoint: McpEndpoint;
  /** The endpoint once anything has used it; until then there is no session or stream to tell. */
  loaded(): McpEndpoint | undefined;
}

export function lazyMcpEndpoint(ctx: AppContext): LazyMcpEndpoint {
  let endpoint: McpEndpoint | undefined;
  const load = (): McpEndpoint => {
    if (!endpoint) {
      // The compiled binary starts with JIT tier-up thresholds raised (package.json build,
      // --compile-jit-policy): start-up and the occasional sign-in, consent or console page run
      // a few times each, and compiling them costs more memory and time than it saves. Agents
      // are the hot path: from their first request on, the normal policy.
      Bun.unsafe.setJITPolicy?.(1);
      const { createMcpEndpoint } = require('../mcp/endpoint.ts') as typeof import('../mcp/endpoint.ts');
      endpoint = createMcpEndpoint(ctx);
    }
    return endpoint;
  };
  return {
    endpoint: {
      handler: (request, server) => load().handler(request, server),
      get live() {
        return load().live;
      },
      get sessions() {
        return load().sessions;
      },
      notifyToolsChanged: () => endpoint?.notifyToolsChanged(),
      close: async () => endpoint?.close(),
    },
    loaded: () => endpoint,
  };
}

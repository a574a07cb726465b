import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokensFor } from '../support/mcp.ts';
import { startTestGatehouse, type TestGatehouse } from '../support/server.ts';

// Each file starts real servers (and maybe a browser): allow more than bun's 5 s default.
setDefaultTimeout(30_000);

const CONFORMANCE = join(
  import.meta.dir,
  '..',
  '..',
  'node_modules',
  '@modelcontextprotocol',
  'conformance',
  'dist',
  'index.js',
);
const SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'dns-rebinding-protection',
  'server-sse-multiple-streams',
];

let gh: TestGatehouse;
let proxy: ReturnType<typeof Bun.serve>;
let workDir: string;

/**
 * The conformance runner cannot send an Authorization header, so it talks to a loopback proxy
 * that adds the bearer token. The proxy maps its own Host/Origin to Gatehouse's and passes any
 * other (foreign) Host or Origin through unchanged, so DNS-rebinding checks still bite.
 */
function startProxy(target: string, token: string) {
  const targetUrl = new URL(target);
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const url = new URL(req.url);
      const headers = new Headers(req.headers);
      headers.set('authorization', `Bearer ${token}`);
      const proxyHost = `127.0.0.1:${server.port}`;
      const host = req.headers.get('host');
      headers.set(
        'host',
        host === proxyHost || host === `localhost:${server.port}` ? targetUrl.host : (host ?? targetUrl.host),
      );
      const origin = req.headers.get('origin');
      if (origin?.endsWith(`:${server.port}`)) headers.set('origin', targetUrl.origin);
      const res = await fetch(`${targetUrl.origin}${url.pathname}${url.search}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer(),
        redirect: 'manual',
      });
      return new Response(res.body, { status: res.status, headers: res.headers });
    },
  });
  return server;
}

beforeAll(async () => {
  gh = await startTestGatehouse();
  const { access_token } = await tokensFor(gh.url, 'member@demo.test');
  proxy = startProxy(gh.url, access_token);
  workDir = mkdtempSync(join(tmpdir(), 'gatehouse-conformance-'));
});
afterAll(async () => {
  proxy?.stop(true);
  await gh?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('MCP conformance runner (@modelcontextprotocol/conformance)', () => {
  for (const scenario of SCENARIOS) {
    test(`conformance — ${scenario} passes`, async () => {
      const p = Bun.spawn(
        ['bun', CONFORMANCE, 'server', '--url', `http://127.0.0.1:${proxy.port}/mcp`, '--scenario', scenario],
        {
          cwd: workDir,
          stdout: 'pipe',
          stderr: 'pipe',
        },
      );
      const [out, err, code] = await Promise.all([
        new Response(p.stdout).text(),
        new Response(p.stderr).text(),
        p.exited,
      ]);
      if (code !== 0 || process.env.CONFORMANCE_VERBOSE) console.log(out, err);
      expect(code).toBe(0);
      expect(`${out}${err}`).not.toMatch(/\bFAIL(ED)?\b/);
    });
  }
});

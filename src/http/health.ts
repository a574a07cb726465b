import type { AppContext } from '../app/context.ts';
import { jsonResponse } from './responses.ts';

/** GET /healthz — the process is up. */
export function healthz(): Response {
  return jsonResponse({ status: 'ok' });
}

/** GET /readyz — the database answers and every configured WorkOS environment is reachable. */
export async function readyz(ctx: AppContext): Promise<Response> {
  const checks: Record<string, string> = {};
  try {
    ctx.db.$client.query('SELECT 1').get();
    checks.database = 'ok';
  } catch (e) {
    checks.database = `failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  await Promise.all(
    Object.entries(ctx.workos.clients).map(async ([env, client]) => {
      try {
        await client.organizations.listOrganizations({ limit: 1 });
        checks[`workos_${env}`] = 'ok';
      } catch (e) {
        checks[`workos_${env}`] = `unreachable: ${e instanceof Error ? e.message : String(e)}`;
      }
    }),
  );
  const ready = Object.values(checks).every((v) => v === 'ok');
  return jsonResponse({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
}

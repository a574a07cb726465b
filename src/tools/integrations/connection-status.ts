import type { AppContext } from '../../app/context.ts';
import type { Principal } from '../../oauth/principal.ts';
import { workosCall } from '../../workos/errors.ts';

export type PipesStatus = 'connected' | 'needs_reauthorization' | 'not_installed';

/** How each provider stands in WorkOS Pipes for this human (one call for all providers). */
export async function pipesStatuses(app: AppContext, p: Principal): Promise<Map<string, PipesStatus>> {
  const list = await workosCall('list your Pipes connections', () =>
    app.workos.identity.client.pipes.listUserDataProviders({ userId: p.workosUserId }),
  );
  const out = new Map<string, PipesStatus>();
  for (const d of list.data) {
    const state = d.connectedAccount?.state;
    out.set(
      d.slug,
      !d.connectedAccount
        ? 'not_installed'
        : state === 'needs_reauthorization'
          ? 'needs_reauthorization'
          : 'connected',
    );
  }
  return out;
}

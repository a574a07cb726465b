import type { SeededAccount } from '../app/context.ts';
import { DEMO_PROVIDER_LABEL } from '../approvals/providers/demo.ts';
import type { Config } from '../config/index.ts';
import { VERSION } from './help.ts';

/**
 * The start banner: mode, URLs, data dir, the admitted teams, any managed environment that is
 * the identity environment itself (a warning), and, in local mode, the accounts to sign in as.
 */
export function banner(
  config: Config,
  accounts: SeededAccount[],
  tenancy: { teams: string[]; identityShared: string[]; deploymentKeysUnowned?: boolean } = {
    teams: [],
    identityShared: [],
  },
): string {
  const lines = [
    `Gatehouse ${VERSION} — ${config.mode === 'local' ? 'local mode (embedded WorkOS emulator, no WorkOS account or network needed)' : 'live mode (WorkOS API)'}`,
    `  Console:  ${config.publicUrl}`,
    `  MCP:      ${config.publicUrl}/mcp`,
    `  Data:     ${config.dataDir}`,
  ];
  if (config.demoPublic)
    lines.push(
      `  WARNING:  PUBLIC DEMO (GATEHOUSE_DEMO_PUBLIC=1): anyone who can reach ${config.publicUrl} can sign in as any demo account, admins included. Nothing here is protected; never put real data in it.`,
    );
  if (tenancy.teams.length > 0) lines.push(`  Teams:    ${tenancy.teams.join(', ')}`);
  if (config.mode === 'local')
    lines.push(
      `  Pipes:    Linear, Notion, Snowflake, GitHub, Slack are each a ${DEMO_PROVIDER_LABEL}: approved calls run offline against demo data`,
    );
  if (tenancy.deploymentKeysUnowned)
    lines.push(
      "  WARNING:  WORKOS_API_KEY / WORKOS_PRODUCTION_API_KEY belong to no team: they are the first GATEHOUSE_TEAMS organization's, and it is not an admitted team.",
    );
  for (const s of tenancy.identityShared)
    lines.push(
      `  WARNING:  ${s} is the identity environment itself (staff sign in there). Staff organizations are guarded from tools; link a separate environment to end this.`,
    );
  if (config.mode === 'local' && accounts.length > 0) {
    lines.push('  Sign in as (open the console URL, pick an account):');
    const width = Math.max(...accounts.map((a) => a.email.length));
    for (const a of accounts)
      lines.push(`    ${a.email.padEnd(width)}  ${a.role.padEnd(7)} ${a.teams.join(', ')}`);
  }
  return lines.join('\n');
}

import type {
  AuthorizationServerMetadata,
  OAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/server';
import type { Config } from '../config/index.ts';
import { SCOPES_SUPPORTED } from './scopes.ts';

/** The protected resource every token is bound to (RFC 8707 audience). */
export function mcpResource(config: Config): string {
  return `${config.publicUrl}/mcp`;
}

export function protectedResourceMetadataUrl(config: Config): string {
  return `${config.publicUrl}/.well-known/oauth-protected-resource/mcp`;
}

/** RFC 9728 §2 protected resource metadata for /mcp. */
export function protectedResourceMetadata(config: Config): OAuthProtectedResourceMetadata {
  return {
    resource: mcpResource(config),
    authorization_servers: [config.publicUrl],
    scopes_supported: [...SCOPES_SUPPORTED],
    bearer_methods_supported: ['header'],
    resource_name: 'Gatehouse (WorkOS MCP)',
    resource_documentation: `${config.publicUrl}/`,
  };
}

/** RFC 8414 §2 authorization server metadata. */
export function authorizationServerMetadata(
  config: Config,
): AuthorizationServerMetadata & Record<string, unknown> {
  const base = config.publicUrl;
  return {
    issuer: base,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    registration_endpoint: `${base}/register`,
    revocation_endpoint: `${base}/revoke`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    scopes_supported: [...SCOPES_SUPPORTED],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${base}/`,
  };
}

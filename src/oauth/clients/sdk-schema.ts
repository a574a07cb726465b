/**
 * The MCP SDK's RFC 7591 client metadata schema, re-exported so validate-metadata.ts can require
 * it when a registration first needs it: importing the SDK evaluates every protocol schema it
 * has, which start does not need (docs/architecture.md "Operating it"). A require of this ES
 * module resolves the SDK's ES build, the one the MCP endpoint shares.
 */
export { OAuthClientMetadataSchema } from '@modelcontextprotocol/core';

export { guardedFetch } from './fetch.ts';
export { type AddressVerdict, classifyAddress } from './ip.ts';
export { createOutbound, LiveHostMapError, type Outbound, type OutboundOptions } from './outbound.ts';
export { type Resolver, resolveAllowed, systemResolver } from './resolve.ts';
export {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  type GuardedFetchInit,
  type GuardedResponse,
  type OutboundFetch,
} from './types.ts';
export { MAX_URL_LENGTH, type OutboundUrlOptions, parseOutboundUrl } from './url.ts';

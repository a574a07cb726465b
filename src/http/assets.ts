// Static assets are embedded into the compiled binary (`with { type: 'file' }`); htmx is served
// from the installed htmx.org package, never from a CDN.
import htmxPath from 'htmx.org/dist/htmx.min.js' with { type: 'file' };
import cssPath from '../../views/assets/app.css' with { type: 'file' };
import jsPath from '../../views/assets/app.js' with { type: 'file' };
import { withSecurityHeaders } from './responses.ts';

const ASSETS: Record<string, { path: string; type: string }> = {
  '/assets/htmx.min.js': { path: htmxPath, type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { path: cssPath, type: 'text/css; charset=utf-8' },
  '/assets/app.js': { path: jsPath, type: 'text/javascript; charset=utf-8' },
};

export const ASSET_PATHS = Object.keys(ASSETS);

export function serveAsset(pathname: string): Response | undefined {
  const a = ASSETS[pathname];
  if (!a) return undefined;
  const headers = withSecurityHeaders(new Headers({ 'Content-Type': a.type }));
  headers.set('Cache-Control', 'public, max-age=3600');
  return new Response(Bun.file(a.path), { headers });
}

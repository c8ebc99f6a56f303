/** URL paths as routers join them: `joinRoute('/api/', 'v1', '/health')` is `/api/v1/health`. */
export function joinRoute(...parts: string[]): string {
  return '/' + routeSegments(...parts);
}

/** The same join without the leading slash (a mount prefix such as `api/v1`; '' for none). */
export function routeSegments(...parts: string[]): string {
  return parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
}

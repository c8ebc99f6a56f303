/** URL paths as routers join them: `joinRoute('/api/', 'v1', '/health')` is `/api/v1/health`. */
export function joinRoute(...parts: string[]): string {
  return '/' + routeSegments(...parts);
}

/**
 * The join of frameworks that serve a path exactly as declared (FastAPI/Starlette, Flask): the
 * last part's trailing slash is kept (`APIRouter(prefix='/health')` + `@get('/')` is `/health/`,
 * `@get('/health-check/')` stays `/health-check/`). Starlette answers the other form with a 307
 * redirect and Flask with a 308 or 404, which an ALB health check counts as unhealthy.
 */
export function joinRouteAsDeclared(...parts: string[]): string {
  const joined = joinRoute(...parts);
  const last = parts.filter(Boolean).at(-1) ?? '';
  return joined !== '/' && last.endsWith('/') ? joined + '/' : joined;
}

/** The same join without the leading slash (a mount prefix such as `api/v1`; '' for none). */
export function routeSegments(...parts: string[]): string {
  return parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
}

/**
 * The values compose gives a container, interpolated as `docker compose` does from the caller's
 * environment: `${VAR}`, `$VAR`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `$$`.
 * A variable compose would leave unset (a bare key, `${VAR:?err}` with VAR unset) is omitted.
 */
const REF = /\$(?:\$|\{([A-Za-z_]\w*)(?:(:?)([-?+])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_]\w*))/g;

export function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string | null {
  let unset = false;
  const out = value.replace(REF, (whole, braced: string | undefined, colon: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare) as string;
    const v = env[name];
    const missing = colon ? !v : v === undefined;
    if (op === '-') return missing ? (interpolate(arg ?? '', env) ?? '') : (v as string);
    if (op === '+') return missing ? '' : (interpolate(arg ?? '', env) ?? '');
    if (op === '?') {
      if (missing) unset = true;
      return v ?? '';
    }
    return v ?? '';
  });
  return unset ? null : out;
}

/** Build args or environment as compose resolves them; entries without a value come from `env` or are dropped. */
export function resolveComposeValues(values: Readonly<Record<string, string | null>>, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(values)) {
    const value = raw === null ? env[key] : interpolate(raw, env);
    if (value !== null && value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * The entries compose leaves empty or unset because a variable they are taken from is unset (or
 * empty) in `env` and gives no default (`DATABASE_URL: ${BILLING_DATABASE_URL}`, `${KEY:?err}`, a
 * bare `API_KEY`): entry -> those variables.
 */
export function emptyFromUnset(values: Readonly<Record<string, string | null>>, env: Readonly<Record<string, string | undefined>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, raw] of Object.entries(values)) {
    if (raw === null) {
      if (!env[key]) out[key] = [key];
      continue;
    }
    const value = interpolate(raw, env);
    if (value !== null && value !== '') continue;
    const names = [...raw.matchAll(REF)].filter((m) => m[0] !== '$$' && m[3] !== '-' && m[3] !== '+').map((m) => (m[1] ?? m[5]) as string);
    const unset = [...new Set(names.filter((n) => !env[n]))];
    if (unset.length > 0) out[key] = unset;
  }
  return out;
}

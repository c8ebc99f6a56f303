/**
 * What counts as a secret, for compose-secret-defaults and for the task definitions `check` writes: a variable whose name ends in a secret noun
 * (`DB_PASSWORD`, `JWT_SECRET_KEY`, `STRIPE_KEY`), or a value shaped like a live credential
 * whatever its name (`sk_live_…`, `sk_test_…` with a random token, `AKIA…`; not one whose token is
 * a placeholder, `sk_test_51Hxxxxxxxxxxxxxxxx`: isPlaceholderToken). A name where the secret word is followed by a setting
 * (`TOKEN_TTL`, `PASSWORD_MIN_LENGTH`, `SECRET_MANAGER_REGION`, `JWT_PRIVATE_KEY_FILE`) is not a
 * secret's, and a default that is plainly a setting (a boolean, a duration, an AWS region) is never
 * taken for a secret on its name alone. A number is not such a setting: `${DB_PASSWORD:-12345678}`
 * is a password default like any other (settings such as `TOKEN_TTL` are told apart by their name).
 */

/** Last words that name a secret on their own. */
const SECRET_NOUNS = new Set(['PASSWORD', 'PASSWORDS', 'PASSWD', 'PASSPHRASE', 'SECRET', 'SECRETS', 'TOKEN', 'TOKENS', 'CREDENTIAL', 'CREDENTIALS', 'APIKEY', 'SECRETKEY', 'ACCESSKEY', 'PRIVATEKEY', 'AUTHTOKEN', 'ACCESSTOKEN']);
/** Last words that name a secret only after another word: `DB_PASS`, `DB_PWD` (bare `PWD` is the shell's working directory). */
const QUALIFIED_SECRET_NOUNS = new Set(['PASS', 'PWD', 'KEY', 'KEYS']);
/** The word before `KEY` when the key is not a credential: `JWT_PUBLIC_KEY`, `ROUTING_KEY`, `CACHE_KEY`. */
const NON_CREDENTIAL_KEY = new Set(['PUBLIC', 'PUB', 'PUBLISHABLE', 'ROUTING', 'PARTITION', 'SORT', 'PRIMARY', 'FOREIGN', 'CACHE', 'HASH', 'OBJECT', 'IDEMPOTENCY', 'LOCK', 'QUEUE', 'PREFIX', 'SITE', 'LOOKUP', 'DEDUP', 'SHARD']);
/** Words after a secret noun that keep it the secret's (`DB_PASSWORD_PROD`, `JWT_SECRET_B64`, Rails' `SECRET_KEY_BASE`). Any other following word makes the name a setting's. */
const NEUTRAL_SUFFIXES = /^(?:PROD|PRODUCTION|DEV|DEVELOPMENT|STAGING|STAGE|TEST|LIVE|LOCAL|B64|BASE64|BASE|ENCODED|RAW|V\d+|\d+|OLD|NEW|CURRENT|PREVIOUS|PRIMARY|SECONDARY)$/;

/**
 * Whether a variable or key name is a secret's: its `_`-separated words end in a secret noun,
 * optionally followed by an environment or encoding word (`_PROD`, `_B64`). Case-insensitive.
 */
export function isSecretName(name: string): boolean {
  const words = name.toUpperCase().split(/_+/).filter((w) => w !== '');
  let end = words.length;
  while (end > 1 && NEUTRAL_SUFFIXES.test(words[end - 1] as string)) end--;
  const last = words[end - 1];
  if (last === undefined) return false;
  if (SECRET_NOUNS.has(last) || /(?:PASSWORD|PASSWD|SECRET)$/.test(last)) return true;
  if (!QUALIFIED_SECRET_NOUNS.has(last) || end < 2) return false;
  if (last !== 'KEY' && last !== 'KEYS') return true;
  return !NON_CREDENTIAL_KEY.has(words[end - 2] as string);
}

/**
 * A default that is plainly a setting, not a secret: a boolean, a duration (`15m`, `1h30m`, `30s`)
 * or an AWS region. Such a default is never removed because of the name alone. Plain numbers are
 * not in the list: a numeric password or PIN is still a secret.
 */
export function isPlainSettingValue(value: string): boolean {
  return (
    /^(?:true|false|yes|no|on|off)$/i.test(value) ||
    /^(?:\d+(?:\.\d+)?(?:ns|us|ms|s|m|h|d|w))+$/i.test(value) ||
    /^[a-z]{2}(?:-gov|-iso[a-z]*)?-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\d$/.test(value)
  );
}

/** Prefixes and shapes of credentials issued by well-known providers that work against their real APIs. */
const LIVE_CREDENTIAL = [
  /^(?:sk|rk)_live_[A-Za-z0-9]{8,}/, // Stripe secret / restricted key
  // A test-mode secret key is a credential of the same real account (full API access to its test data
  // and webhooks; scanners flag it): one with a long random token, not `sk_test_your_key_here` (review6 R11).
  /^(?:sk|rk)_test_(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{16,}/,
  /^gh[pousr]_[A-Za-z0-9]{20,}/, // GitHub token
  /^xox[bpas]-[A-Za-z0-9-]{10,}/, // Slack token
  /(?:^|[^A-Z0-9])AKIA[0-9A-Z]{16}(?![0-9A-Z])/, // AWS access key id (the secret key is usually beside it)
  /^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$/, // SendGrid
  /^glpat-[A-Za-z0-9_-]{20,}/, // GitLab personal access token
  /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/,
];

/** Whether a value has the shape of a live credential of a known provider, whatever the variable is called (not a placeholder written in that shape). */
export function isLiveCredential(value: string): boolean {
  return LIVE_CREDENTIAL.some((re) => re.test(value)) && !isPlaceholderToken(value);
}

/**
 * A value written as a stand-in for a token, not a token: its tail is a run of one repeated character
 * (`sk_test_51Hxxxxxxxxxxxxxxxx`, `…000000`), it has a masking run (`****`, `•••`, `...`, `…`), or it
 * spells out a placeholder (`your_stripe_key`, `placeholder`, `replace_me`, `changeme`, `dummy`,
 * `redacted`, `insert_here`). A generated token has none of them: six equal characters at its end
 * come by chance once in 62^5 base62 tokens, and the words are five letters or more, so a real key
 * is not taken for a placeholder and copied into a committed example file. Short words that random
 * text holds more often (`fake`, `here`) and `EXAMPLE` (AWS's documented `AKIAIOSFODNN7EXAMPLE`)
 * are not read.
 */
export function isPlaceholderToken(value: string): boolean {
  return (
    /(.)\1{5,}$/.test(value) ||
    /\*{3,}|\u2022{3,}|\.{3,}|\u2026/.test(value) ||
    /your[-_]?(?:[a-z]+[-_]?)?(?:key|secret|token)|placeholder|replace[-_]?me|change[-_]?me|dummy|redacted|insert[-_]?here/i.test(value)
  );
}

/** A mistake in how the tool was called: one line on stderr, exit 2. */
export class UsageError extends Error {}

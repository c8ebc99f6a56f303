/**
 * A turn of the event loop before every test. Vitest runs a file's synchronous tests back to back
 * without one, and a test worker that gets none for 60 s cannot answer vitest's RPC: the run ends
 * with "Timeout calling onTaskUpdate" and exit 1 although every test passed (seen once
 * test/idempotency-order.test.ts, about a minute of synchronous tests, grew past 60 s).
 */
import { beforeEach } from 'vitest';

beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

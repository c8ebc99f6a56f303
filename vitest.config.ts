import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The image tests build containers: they run on their own afterwards (vitest.images.config.ts),
    // so their builds never slow the timing-sensitive tests down.
    exclude: ['test/**/*-images.test.ts', '**/node_modules/**'],
    pool: 'forks',
    // A turn of the event loop between tests (see the file): long synchronous files timed out vitest's RPC.
    setupFiles: ['./test/helpers/event-loop-turn.ts'],
    testTimeout: 30_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});

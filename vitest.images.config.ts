// The image tests (real builds with buildah; see test/helpers/standins.ts), run by `npm test`
// after the rest of the suite, alone on the machine.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*-images.test.ts'],
    pool: 'forks',
    testTimeout: 10 * 60_000,
    hookTimeout: 20 * 60_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});

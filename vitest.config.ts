// Two projects: `unit` needs nothing but Node; `engine` needs a Docker engine, registry, mmdebstrap
// (files named *.engine.test.ts). `pnpm test` runs both; .ci/run prepares the host first.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{lib,hack,images,base,scripts,bench}/**/*.test.ts'],
          exclude: ['**/*.engine.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'engine',
          include: ['{lib,hack,images,base,scripts,bench,test}/**/*.engine.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
})

// `pnpm verify` as a user runs it: base/debian, base/runtime and two service images are built again
// from nothing (no engine cache, a fresh directory, the clock a day ahead under faketime) and must
// give the same manifest digests as the first build.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { ROOT } from './repo.ts'

describe('pnpm verify', () => {
  it('reproduces debian, runtime, registry and redis-exporter bit for bit under a shifted clock', () => {
    const images = ['debian', 'runtime', 'registry', 'redis-exporter']
    const r = spawnSync('pnpm', ['-s', 'verify', ...images], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 600_000,
    })
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
    for (const n of images)
      expect(r.stdout).toMatch(
        new RegExp(
          `^${n}: reproduced \\(first sha256:([0-9a-f]{64}), second sha256:\\1\\) \\[clock \\+1d\\]$`,
          'm',
        ),
      )
  })
})

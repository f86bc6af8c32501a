import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitMessage, cvesIn, debianChangelog } from './commit.ts'
import { defaultResolver } from './defaults.ts'
import { testContext } from './testing.ts'

const MAIN = join(import.meta.dirname, '../..')

describe('commit messages', () => {
  it('use the BOM diff as subject and quote upstream notes and CVEs in the body', () => {
    const msg = commitMessage(
      'redis',
      [{ key: 'debian-src:redis', from: '5:7.0.15-1~deb12u1', to: '5:7.0.15-1~deb12u3' }],
      ['redis'],
      {
        sections: [
          {
            title: 'redis: Debian changelog since 5:7.0.15-1~deb12u1',
            text: 'redis (5:7.0.15-1~deb12u3)\n\n  * CVE-2025-1\n',
          },
        ],
        cves: ['CVE-2025-2', 'CVE-2025-1', 'CVE-2025-2'],
      },
    )
    expect(msg.subject).toBe('[redis] debian-src:redis 5:7.0.15-1~deb12u1 -> 5:7.0.15-1~deb12u3')
    expect(msg.body).toBe(
      'redis: Debian changelog since 5:7.0.15-1~deb12u1:\n  redis (5:7.0.15-1~deb12u3)\n\n    * CVE-2025-1\n\nCVEs: CVE-2025-1, CVE-2025-2',
    )
    expect(commitMessage('x', [], ['conf'], { sections: [], cves: [] }).subject).toBe(
      '[x] re-pin conf (same versions)',
    )
    expect(cvesIn('fixes CVE-2024-31449 and CVE-2024-31449, CVE-2023-45145')).toEqual([
      'CVE-2023-45145',
      'CVE-2024-31449',
    ])
  })
})

describe('default resolvers and changelogs (real Debian mirror and npm registry)', () => {
  it('resolve a debian-source pin from the recipe alone and quote its changelog since an older version', async () => {
    const ctx = testContext({ root: MAIN, spec: { kind: 'debian-source', name: 'redis' } })
    const pin = await defaultResolver(ctx.spec)!(ctx)
    expect(pin).toMatchObject({ kind: 'debian-source', name: 'redis' })
    expect(pin.version).toMatch(/^5:7\.0\.15-1~deb12u\d+$/)
    expect(pin.files.map((f) => f.url)).toEqual([
      expect.stringMatching(/^debian(-security)?:pool\/.*\/redis_7\.0\.15\.orig\.tar\.gz$/),
    ])
    const log = await debianChangelog(ctx.config, ctx.store, pin, '5:7.0.15-1~deb12u1', MAIN)
    expect(log?.text).toContain('deb12u2')
    expect(log?.text).not.toMatch(/\(5:7\.0\.15-1~deb12u1\)/)
    expect(log?.cves.length).toBeGreaterThan(0)
  })
  it('resolve an npm pin from the recipe alone', async () => {
    const ctx = testContext({ spec: { kind: 'npm', name: 'left-pad', range: '^1' } })
    expect((await defaultResolver(ctx.spec)!(ctx)).version).toBe('1.3.0')
    expect(defaultResolver({ kind: 'url' })).toBeUndefined()
  })
})

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { UpstreamError } from '../errors.ts'
import { npmPackage, pickNpmVersion } from './npm.ts'
import { testContext } from './testing.ts'

describe('npm (real registry)', () => {
  it('pins the newest version in a range with integrity, tarball sha256 and publication date', async () => {
    const ctx = testContext({ spec: { kind: 'npm', name: 'left-pad' } })
    const pin = await npmPackage(ctx, 'left-pad', '^1.1.0')
    expect(pin.version).toBe('1.3.0')
    expect(pin.integrity).toMatch(/^sha512-/)
    expect(pin.date).toBe(Math.floor(Date.parse('2024-09-05T00:40:51Z') / 1000))
    const f = pin.files[0]!
    expect(f.url).toBe('https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz')
    expect(f.name).toBe('left-pad-1.3.0.tgz')
    // The store holds the tarball under the sha256 recorded in the pin.
    const bytes = readFileSync(ctx.store.path(f.sha256))
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256)
    expect(f.size).toBe(bytes.length)
  })
  it('keeps to the range and reports an empty one', async () => {
    const ctx = testContext()
    expect((await npmPackage(ctx, 'semver', '~7.5.0')).version).toBe('7.5.4')
    await expect(npmPackage(ctx, 'left-pad', '^99')).rejects.toBeInstanceOf(UpstreamError)
  })
  it('skips deprecated versions', () => {
    const dist = { tarball: 'x', integrity: 'sha512-x' }
    const doc = {
      name: 'p',
      versions: {
        '1.0.0': { version: '1.0.0', dist },
        '1.1.0': { version: '1.1.0', dist, deprecated: 'broken' },
      },
    }
    expect(pickNpmVersion(doc, '^1')).toBe('1.0.0')
  })
})

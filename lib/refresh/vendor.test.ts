import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256hex } from '../canonical.ts'
import { type Fixture, serveFixture, testContext } from './testing.ts'
import { vendor, versionOfUrl } from './vendor.ts'

let site: Fixture
beforeAll(async () => {
  site = await serveFixture()
  site.set('/v1.4.2/helper.sh', '#!/bin/sh\n')
})
afterAll(() => site.close())

describe('vendor', () => {
  it('takes the version from the URL, else the file name', () => {
    expect(versionOfUrl('https://x.example/app/v1.4.2/helper.sh')).toBe('1.4.2')
    expect(versionOfUrl('https://x.example/raw/main/app.conf')).toBe('app.conf')
  })
  it('records a fetched file by sha256 in the lock', async () => {
    const ctx = testContext()
    const pin = await vendor(ctx, `${site.url}/v1.4.2/helper.sh`)
    expect(pin.version).toBe('1.4.2')
    expect(pin.files).toEqual([
      { name: 'helper.sh', url: `${site.url}/v1.4.2/helper.sh`, sha256: sha256hex('#!/bin/sh\n'), size: 10 },
    ])
    expect(ctx.staged.size).toBe(0)
  })
  it('stages a committed file under files/ and records it as committed, not fetched', async () => {
    const ctx = testContext()
    const pin = await vendor(ctx, `${site.url}/v1.4.2/helper.sh`, { commit: true, name: 'bin/helper' })
    expect(pin.files).toEqual([])
    expect(pin.committed?.[0]).toMatchObject({ name: 'bin/helper', sha256: sha256hex('#!/bin/sh\n') })
    expect(new TextDecoder().decode(ctx.staged.get('files/bin/helper'))).toBe('#!/bin/sh\n')
  })
})

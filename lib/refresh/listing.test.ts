import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256hex } from '../canonical.ts'
import { UpstreamError } from '../errors.ts'
import { listFiles, listing } from './listing.ts'
import { type Fixture, serveFixture, testConfig, testContext } from './testing.ts'

let site: Fixture
beforeAll(async () => {
  site = await serveFixture()
  site.set(
    '/releases/',
    `<html><body><a href="../">../</a>
<a href="redis-7.2.9.tar.gz">redis-7.2.9.tar.gz</a> 2024-01-01
<a href="redis-7.2.10.tar.gz">redis-7.2.10.tar.gz</a>
<a href="/releases/redis-7.4.0-rc1.tar.gz">rc</a>
<a href="redis-8.0.0.tar.gz.SHA256SUM">sum</a>
<a href="https://elsewhere.invalid/redis-6.0.0.tar.gz">old</a></body></html>`,
  )
  site.set('/releases/redis-7.2.10.tar.gz', 'seven-two-ten', {
    'last-modified': 'Wed, 02 Oct 2024 10:00:00 GMT',
  })
  site.set('/plain.txt', 'tool-1.9.tar.xz\ntool-1.10.tar.xz\nREADME\n')
  site.set('/tool-1.10.tar.xz', 'ten')
})
afterAll(() => site.close())

describe('listing', () => {
  it('finds versioned files in an HTML index, resolving relative links', async () => {
    const files = await listFiles(
      testConfig(),
      `${site.url}/releases/`,
      /redis-(?<version>[\d.]+(?:-rc\d+)?)\.tar\.gz/,
    )
    expect(files.map((f) => [f.version, f.url])).toEqual([
      ['7.2.9', `${site.url}/releases/redis-7.2.9.tar.gz`],
      ['7.2.10', `${site.url}/releases/redis-7.2.10.tar.gz`],
      ['7.4.0-rc1', `${site.url}/releases/redis-7.4.0-rc1.tar.gz`],
      ['6.0.0', 'https://elsewhere.invalid/redis-6.0.0.tar.gz'],
    ])
  })
  it('pins the newest release (prereleases dropped) by sha256 with its Last-Modified date', async () => {
    const pin = await listing(testContext(), {
      url: `${site.url}/releases/`,
      pattern: /redis-(?<version>[\d.]+(?:-rc\d+)?)\.tar\.gz/,
    })
    expect(pin).toEqual({
      kind: 'url',
      version: '7.2.10',
      date: Math.floor(Date.parse('2024-10-02T10:00:00Z') / 1000),
      files: [
        {
          name: 'redis-7.2.10.tar.gz',
          url: `${site.url}/releases/redis-7.2.10.tar.gz`,
          sha256: sha256hex('seven-two-ten'),
          size: 13,
        },
      ],
    })
  })
  it('reads plain-text listings and honours URL rewrites', async () => {
    const config = testConfig({
      refresh: { concurrency: 4, maxAgeDays: 1, rewrite: { 'https://tools.invalid/': `${site.url}/` } },
    })
    const pin = await listing(testContext({ config }), {
      url: 'https://tools.invalid/plain.txt',
      pattern: /tool-(?<version>[\d.]+)\.tar\.xz/,
    })
    expect(pin.version).toBe('1.10')
    expect(pin.files[0]!.url).toBe('https://tools.invalid/tool-1.10.tar.xz')
    expect(pin.files[0]!.sha256).toBe(sha256hex('ten'))
  })
  it('rejects a pattern without a version group and a page with no match', async () => {
    await expect(listFiles(testConfig(), `${site.url}/releases/`, /redis/)).rejects.toBeInstanceOf(
      UpstreamError,
    )
    await expect(
      listing(testContext(), { url: `${site.url}/releases/`, pattern: /nginx-(?<version>[\d.]+)\.tgz/ }),
    ).rejects.toThrow(/names no file/)
  })
})

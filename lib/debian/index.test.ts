// Debian indexes against the real mirror (deb.debian.org): bookworm + -updates + -security, amd64 and arm64.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Store } from '../store.ts'
import {
  binaryIndexes,
  isOrigTarball,
  parseRelease,
  resolveDebianPackage,
  resolveDebianSource,
  suitesFor,
} from './index.ts'
import { compareDebianVersions } from './version.ts'

const config = {
  debian: {
    mirror: 'http://deb.debian.org/debian',
    securityMirror: 'http://deb.debian.org/debian-security',
    suite: 'bookworm',
    components: ['main'],
  },
  platforms: ['linux/amd64'],
}
// Shared across runs on purpose: the cache keyed by the Release's sha256 is what keeps this test fast.
const opts = { root: join(import.meta.dirname, '../..') }
const HEX = /^[0-9a-f]{64}$/

describe('parseRelease', () => {
  it('reads Date and the SHA256 list only', () => {
    const r = parseRelease(
      [
        'Suite: oldstable',
        'Date: Sat, 11 Jul 2026 10:16:37 UTC',
        'MD5Sum:',
        ' 0ed6d4c8891eb86358b94bb35d9e4da4  1484322 main/binary-amd64/Packages.gz',
        'SHA256:',
        ` ${'a'.repeat(64)} 12084798 main/binary-amd64/Packages.gz`,
        ` ${'b'.repeat(64)}     3288 main/source/Sources.xz`,
        '',
      ].join('\n'),
      { suite: 'bookworm', mirror: 'debian' },
    )
    expect(r.date).toBe(Date.UTC(2026, 6, 11, 10, 16, 37) / 1000)
    expect([...r.files.entries()]).toEqual([
      ['main/binary-amd64/Packages.gz', { sha256: 'a'.repeat(64), size: 12084798 }],
      ['main/source/Sources.xz', { sha256: 'b'.repeat(64), size: 3288 }],
    ])
  })
})

describe('suitesFor', () => {
  it('adds -updates and -security (on the security mirror) to a codename', () => {
    expect(suitesFor('bookworm')).toEqual([
      { suite: 'bookworm', mirror: 'debian' },
      { suite: 'bookworm-updates', mirror: 'debian' },
      { suite: 'bookworm-security', mirror: 'debian-security' },
    ])
    expect(suitesFor('bookworm-security')).toEqual([
      { suite: 'bookworm-security', mirror: 'debian-security' },
    ])
  })
})

describe('isOrigTarball', () => {
  it('keeps upstream tarballs and drops signatures and Debian files', () => {
    expect(isOrigTarball('redis_7.0.15.orig.tar.gz')).toBe(true)
    expect(isOrigTarball('nginx_1.22.1.orig-njs.tar.xz')).toBe(true)
    expect(isOrigTarball('redis_7.0.15.orig.tar.gz.asc')).toBe(false)
    expect(isOrigTarball('redis_7.0.15-1~deb12u7.debian.tar.xz')).toBe(false)
  })
})

describe('real mirror', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('pins the newest redis-server .deb across the three suites, and the store verifies it', async () => {
    const pin = await resolveDebianPackage(config, { name: 'redis-server' }, opts)
    expect(pin).toMatchObject({ kind: 'debian-package', name: 'redis-server', arch: 'amd64' })
    expect(pin.version).toMatch(/^5:7\.0\.15-1~deb12u\d+$/)
    // bookworm itself holds an older redis than its security suite.
    const suites = await binaryIndexes(config, 'bookworm', 'amd64', opts)
    const base = suites.find((s) => s.suite === 'bookworm')?.entries.get('redis-server')?.[0]
    expect(base).toBeDefined()
    expect(compareDebianVersions(pin.version, base?.version ?? '')).toBeGreaterThanOrEqual(0)
    expect(pin.suite).toBe(
      suites.find((s) => s.entries.get('redis-server')?.some((e) => e.version === pin.version))?.suite,
    )
    expect(pin.date).toBe(suites.find((s) => s.suite === pin.suite)?.date)
    const [file] = pin.files
    expect(file?.url).toMatch(/^debian(-security)?:pool\/.+\/redis-server_.+_amd64\.deb$/)
    expect(file?.sha256).toMatch(HEX)
    const dir = await mkdtemp(join(tmpdir(), 'atelier-deb-'))
    dirs.push(dir)
    const path = await new Store(dir, { config }).fetch(file?.url ?? '', file?.sha256 ?? '')
    expect(path).toBe(join(dir, 'sha256', file?.sha256 ?? ''))
  })

  it('reads the arm64 index too', async () => {
    const pin = await resolveDebianPackage(config, { name: 'bash', arch: 'arm64' }, opts)
    expect(pin.arch).toBe('arm64')
    expect(pin.files[0]?.name).toMatch(/^bash_.+_arm64\.deb$/)
  })

  it('pins redis sources: the orig tarball by default, every file with files: all', async () => {
    const orig = await resolveDebianSource(config, { name: 'redis' }, opts)
    expect(orig.files.map((f) => f.name)).toEqual(['redis_7.0.15.orig.tar.gz'])
    expect(orig.files[0]?.url).toMatch(
      /^debian(-security)?:pool\/(updates\/)?main\/r\/redis\/redis_7\.0\.15\.orig\.tar\.gz$/,
    )
    const all = await resolveDebianSource(config, { name: 'redis', files: 'all' }, opts)
    expect(all.version).toBe(orig.version)
    expect(all.files.map((f) => f.name.replace(/_.*?(\.orig|\.debian|\.dsc)/, '_V$1'))).toEqual([
      'redis_V.debian.tar.xz',
      'redis_V.dsc',
      'redis_V.orig.tar.gz',
    ])
  })

  it('says which suites it searched when a package does not exist', async () => {
    await expect(resolveDebianPackage(config, { name: 'no-such-package-atelier' }, opts)).rejects.toThrow(
      /no binary package no-such-package-atelier for amd64 in bookworm, bookworm-updates, bookworm-security/,
    )
  })
})

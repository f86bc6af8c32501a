// Changelog entries between two versions: parsing on inline text, then the real redis source in bookworm.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Store } from '../store.ts'
import { changelogBetween, cveIds, entriesBetween, parseChangelog } from './changelog.ts'
import { resolveDebianSource } from './index.ts'

const SAMPLE = `redis (5:7.0.15-1~deb12u3) bookworm-security; urgency=high

  * Fix CVE-2025-21605 and CVE-2024-46981.

 -- Maintainer <m@example.org>  Mon, 05 May 2025 10:00:00 +0100

redis (5:7.0.15-1~deb12u2) bookworm-security; urgency=high

  * Fix CVE-2024-31449, CVE-2024-31228 and CVE-2024-31449 again.

 -- Maintainer <m@example.org>  Mon, 07 Oct 2024 10:00:00 +0100

redis (5:7.0.15-1~deb12u1) bookworm; urgency=medium

  * Fix CVE-2023-1.

 -- Maintainer <m@example.org>  Mon, 01 Jan 2024 10:00:00 +0100
`

describe('changelog parsing', () => {
  it('splits entries and keeps those in (from, to]', () => {
    const entries = parseChangelog(SAMPLE)
    expect(entries.map((e) => e.version)).toEqual([
      '5:7.0.15-1~deb12u3',
      '5:7.0.15-1~deb12u2',
      '5:7.0.15-1~deb12u1',
    ])
    expect(entries[1]?.text).toMatch(/^redis \(5:7\.0\.15-1~deb12u2\)[\s\S]*-- Maintainer.*\+0100\n$/)
    const between = entriesBetween(entries, '5:7.0.15-1~deb12u1', '5:7.0.15-1~deb12u2')
    expect(between.map((e) => e.version)).toEqual(['5:7.0.15-1~deb12u2'])
  })
  it('lists CVE ids unique and in numeric order', () => {
    expect(cveIds(SAMPLE)).toEqual([
      'CVE-2023-1',
      'CVE-2024-31228',
      'CVE-2024-31449',
      'CVE-2024-46981',
      'CVE-2025-21605',
    ])
  })
})

describe('changelogBetween on the real redis source package', () => {
  const config = {
    debian: {
      mirror: 'http://deb.debian.org/debian',
      securityMirror: 'http://deb.debian.org/debian-security',
      suite: 'bookworm',
      components: ['main'],
    },
  }
  const opts = { root: join(import.meta.dirname, '../..') }
  let dir = ''
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('returns the security updates after deb12u1 with their CVEs (orig-only pin: tarball found in Sources)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-changelog-'))
    const pin = await resolveDebianSource(config, { name: 'redis' }, opts)
    expect(pin.files.some((f) => f.name.includes('.debian.tar'))).toBe(false)
    const { text, cves } = await changelogBetween(config, new Store(dir), pin, '5:7.0.15-1~deb12u1', opts)
    const versions = parseChangelog(text).map((e) => e.version)
    expect(versions[0]).toBe(pin.version)
    expect(versions).toContain('5:7.0.15-1~deb12u2')
    expect(versions).not.toContain('5:7.0.15-1~deb12u1')
    expect(cves.length).toBeGreaterThan(2)
    for (const id of cves) expect(id).toMatch(/^CVE-\d{4}-\d+$/)
    expect(new Set(cves).size).toBe(cves.length)
    expect(cves).toEqual(cveIds(cves.join(' ')))
    // Nothing between a version and itself.
    expect(await changelogBetween(config, new Store(dir), pin, pin.version, opts)).toEqual({
      text: '',
      cves: [],
    })
  })
})

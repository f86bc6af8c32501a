import { describe, expect, it } from 'vitest'
import {
  compareAlpineVersions,
  compareDotted,
  compareSemver,
  compareVersions,
  filterVersions,
  isPrerelease,
  loadDebianOrdering,
  newest,
  tagsToVersions,
} from './versions.ts'

const v = (...xs: string[]) => xs.map((version) => ({ version }))

describe('ordering', () => {
  it('orders semver tags, v-prefixed or not, with prereleases before releases', () => {
    expect(compareSemver('v1.2.10', '1.2.9')).toBeGreaterThan(0)
    expect(compareSemver('1.2.0-rc.1', '1.2.0')).toBeLessThan(0)
    expect(compareSemver('2.0.0', 'v10.0.0')).toBeLessThan(0)
    expect(compareSemver('v1.2.3', '1.2.3')).toBe(0)
  })
  it('orders plain dotted tags numerically', () => {
    expect(compareDotted('v1.2.10', 'v1.2.9')).toBeGreaterThan(0)
    expect(compareDotted('1.2', '1.2.1')).toBeLessThan(0)
    expect(compareDotted('7.2.0-rc2', '7.2.0-rc10')).toBeLessThan(0)
    expect(compareDotted('7.2.0-rc10', '7.2.0')).toBeLessThan(0)
    expect(compareDotted('redis-7.2.4', 'redis-7.2.10')).toBeLessThan(0)
    expect(compareDotted('1.10a', '1.9b')).toBeGreaterThan(0)
  })
  it('orders Alpine versions (letters, suffixes, revisions)', () => {
    const sorted = [
      '1.2.3-r4',
      '1.2.3_rc1-r0',
      '1.2.3-r10',
      '1.2.3_p1-r0',
      '1.2.3a-r0',
      '1.2.4_alpha2-r0',
      '1.2.3-r0',
      '1.10.0-r0',
    ].sort(compareAlpineVersions)
    expect(sorted).toEqual([
      '1.2.3_rc1-r0',
      '1.2.3-r0',
      '1.2.3-r4',
      '1.2.3-r10',
      '1.2.3_p1-r0',
      '1.2.3a-r0',
      '1.2.4_alpha2-r0',
      '1.10.0-r0',
    ])
    expect(compareAlpineVersions('3.20.3', '3.20.10')).toBeLessThan(0)
    expect(compareAlpineVersions('1.36.1-r29', '1.36.1-r29')).toBe(0)
    expect(compareAlpineVersions('2.0_beta1', '2.0_beta2')).toBeLessThan(0)
  })
  it('delegates Debian ordering to lib/debian', async () => {
    await loadDebianOrdering()
    expect(compareVersions('7.0.15-1~deb12u6', '7.0.15-1~deb12u7', 'debian')).toBeLessThan(0)
    expect(compareVersions('1:1.0-1', '9.9-1', 'debian')).toBeGreaterThan(0)
    expect(compareVersions('1.0~rc1-1', '1.0-1', 'debian')).toBeLessThan(0)
  })
})

describe('filters', () => {
  it('drops prereleases unless asked', () => {
    expect(isPrerelease('1.2.0-rc1')).toBe(true)
    expect(isPrerelease('v2.0.0-beta.3', 'semver')).toBe(true)
    expect(isPrerelease('1.2.0')).toBe(false)
    expect(isPrerelease('3.21.0_rc2', 'alpine')).toBe(true)
    expect(newest(v('1.0.0', '1.1.0-rc1'))?.version).toBe('1.0.0')
    expect(newest(v('1.0.0', '1.1.0-rc1'), { prerelease: true })?.version).toBe('1.1.0-rc1')
  })
  it('keeps a major line', () => {
    expect(newest(v('6.2.14', '7.2.4', '7.0.15', '8.0.1'), { major: 7 })?.version).toBe('7.2.4')
    expect(filterVersions(v('v7.1', 'v8.0'), { major: 8 }, 'dotted').map((x) => x.version)).toEqual(['v8.0'])
  })
  it('applies a semver range', () => {
    expect(newest(v('4.17.21', '5.0.0', '4.18.0'), { range: '^4' })?.version).toBe('4.18.0')
  })
  it('matches tags with a regex and extracts the version group', () => {
    const tags = ['redis-7.2.4', 'redis-7.2.10', 'docs-1', 'v9.0.0']
    const tv = tagsToVersions(tags, /^redis-(?<version>[\d.]+)$/)
    expect(tv).toEqual([
      { tag: 'redis-7.2.4', version: '7.2.4' },
      { tag: 'redis-7.2.10', version: '7.2.10' },
    ])
    expect(newest(tv, {}, 'dotted')?.tag).toBe('redis-7.2.10')
  })
})

// dpkg version ordering: cases checked against `dpkg --compare-versions` semantics.
import { describe, expect, it } from 'vitest'
import { compareDebianVersions, parseDebianVersion } from './version.ts'

/** Each pair is strictly ascending. */
const ASCENDING: [string, string][] = [
  ['1.0', '1.1'],
  ['1.9', '1.10'],
  ['1.0~rc1', '1.0'],
  ['1.0~~', '1.0~'],
  ['1.0~', '1.0'],
  ['1.0', '1.0a'],
  ['1.0a', '1.0+'],
  ['1.0+', '1.0.'],
  ['1.0', '1.0+b1'],
  ['1.0-1', '1.0-2'],
  ['1.0-1', '1.0-1+deb12u1'],
  ['7.0.15-1~deb12u1', '7.0.15-1'],
  ['5:7.0.15-1~deb12u5', '5:7.0.15-1~deb12u6'],
  ['5:7.0.15-1~deb12u9', '5:7.0.15-1~deb12u10'],
  ['2.36-9+deb12u9', '2.36-9+deb12u10'],
  ['9:1.0', '10:0.1'],
  ['99.99', '1:0.1'],
  ['1.2.3', '1.2.3.0'],
  ['a', 'b'],
  ['Z', 'a'],
  ['1.0-0', '1.0-0.1'],
  ['1:4.13+dfsg1-1', '1:4.13+dfsg1-1+deb12u1'],
]

/** Each pair is equal under dpkg's rules. */
const EQUAL: [string, string][] = [
  ['1.0', '1.0'],
  ['0:1.0', '1.0'],
  ['1.01', '1.1'],
  ['1.0-0', '1.0'],
  ['1.000', '1.0'],
]

describe('compareDebianVersions', () => {
  it.each(ASCENDING)('%s < %s', (a, b) => {
    expect(compareDebianVersions(a, b)).toBe(-1)
    expect(compareDebianVersions(b, a)).toBe(1)
  })
  it.each(EQUAL)('%s == %s', (a, b) => {
    expect(compareDebianVersions(a, b)).toBe(0)
    expect(compareDebianVersions(b, a)).toBe(0)
  })
  it('sorts a list the way dpkg does', () => {
    const list = ['1.0', '1.0~rc1', '1:0.5', '1.0-1', '1.0+b1', '0.9', '1.0~beta2', '1.0~beta10']
    expect([...list].sort(compareDebianVersions)).toEqual([
      '0.9',
      '1.0~beta2',
      '1.0~beta10',
      '1.0~rc1',
      '1.0',
      '1.0-1',
      '1.0+b1',
      '1:0.5',
    ])
  })
  it('compares long numbers without overflow', () => {
    expect(compareDebianVersions('1.123456789012345678901', '1.123456789012345678902')).toBe(-1)
  })
})

describe('parseDebianVersion', () => {
  it('splits epoch, upstream and revision at the last dash', () => {
    expect(parseDebianVersion('5:7.0.15-1~deb12u7')).toEqual({
      epoch: 5,
      upstream: '7.0.15',
      revision: '1~deb12u7',
    })
    expect(parseDebianVersion('1.2-3-4')).toEqual({ epoch: 0, upstream: '1.2-3', revision: '4' })
    expect(parseDebianVersion('2023c')).toEqual({ epoch: 0, upstream: '2023c', revision: '' })
  })
})

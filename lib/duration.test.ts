// Durations as recipes write them and as Docker's image config wants them (nanoseconds).
import { describe, expect, it } from 'vitest'
import { durationNs, isDuration } from './duration.ts'

describe('durations', () => {
  it.each([
    ['500ms', 500e6],
    ['10s', 10e9],
    ['1m30s', 90e9],
    ['2h', 7200e9],
    ['1h1m1s1ms', 3661.001e9],
  ])('%s is %d ns', (text, ns) => {
    expect(isDuration(text)).toBe(true)
    expect(durationNs(text)).toBe(ns)
  })

  it.each(['10 seconds', '10', '', 's', '1.5s', '-1s', '10S', ' 10s', '10s '])('rejects %j', (text) => {
    expect(isDuration(text)).toBe(false)
    expect(() => durationNs(text)).toThrow(`expected a duration like "10s", got "${text}"`)
  })
})

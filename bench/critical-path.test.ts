import { describe, expect, it } from 'vitest'
import { criticalPath, sequentialSeconds } from './critical-path.ts'

// debian -> toolchain -> redis, debian -> runtime -> redis, healthcheck alone.
const deps = {
  debian: [],
  toolchain: ['debian'],
  runtime: ['debian'],
  healthcheck: [],
  redis: ['toolchain', 'runtime', 'healthcheck'],
}

describe('criticalPath', () => {
  it('follows the longest chain of build times, not the longest chain of images', () => {
    const t = { debian: 30, toolchain: 60, runtime: 2, healthcheck: 100, redis: 5 }
    expect(criticalPath(t, deps)).toEqual({ seconds: 105, chain: ['healthcheck', 'redis'] })
    expect(criticalPath({ ...t, healthcheck: 1 }, deps)).toEqual({
      seconds: 95,
      chain: ['debian', 'toolchain', 'redis'],
    })
  })

  it('treats images cached in that build as zero but keeps their links', () => {
    expect(criticalPath({ debian: 30, redis: 5 }, deps)).toEqual({ seconds: 35, chain: ['debian', 'redis'] })
  })

  it('is zero for nothing built, and names a cycle', () => {
    expect(criticalPath({}, deps)).toEqual({ seconds: 0, chain: [] })
    expect(() => criticalPath({ a: 1 }, { a: ['b'], b: ['a'] })).toThrow(/a -> b -> a/)
  })

  it('sums the sequential time', () => {
    expect(sequentialSeconds({ a: 1.5, b: 2 })).toBe(3.5)
  })
})

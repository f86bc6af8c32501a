// Floors for a parallel build: the sum of per-image build times (one after another) and the critical
// path (the longest chain of build times through the dependency graph), which no scheduler can beat.
import type { Deps } from '../lib/graph.ts'

export interface CriticalPath {
  seconds: number
  /** The chain, parents first. */
  chain: string[]
}

/**
 * The longest chain of `seconds` through `deps`. Images without a time (cached in that build) count
 * as zero but still link their parents and children; ties go to the name that sorts first.
 */
export function criticalPath(seconds: Record<string, number>, deps: Deps): CriticalPath {
  const finish = new Map<string, CriticalPath>()
  const visit = (n: string, path: string[]): CriticalPath => {
    const known = finish.get(n)
    if (known) return known
    if (path.includes(n)) throw new Error(`dependency cycle: ${[...path, n].join(' -> ')}`)
    let best: CriticalPath = { seconds: 0, chain: [] }
    for (const d of [...(deps[n] ?? [])].sort()) {
      const c = visit(d, [...path, n])
      if (c.seconds > best.seconds) best = c
    }
    const own = seconds[n] ?? 0
    const out = { seconds: best.seconds + own, chain: own > 0 ? [...best.chain, n] : best.chain }
    finish.set(n, out)
    return out
  }
  let best: CriticalPath = { seconds: 0, chain: [] }
  for (const n of Object.keys(seconds).sort()) {
    const c = visit(n, [])
    if (c.seconds > best.seconds) best = c
  }
  return best
}

/** Every build one after another. */
export function sequentialSeconds(seconds: Record<string, number>): number {
  return Object.values(seconds).reduce((a, b) => a + b, 0)
}

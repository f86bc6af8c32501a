// Durations as written in recipes ("10s", "1m30s", "500ms") and as Docker wants them (nanoseconds).

const UNIT: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }
const RE = /^(?:(\d+)(ms|s|m|h))+$/

export function isDuration(s: string): boolean {
  return RE.test(s)
}

/** Nanoseconds of a duration string; throws on a malformed one. */
export function durationNs(s: string): number {
  if (!isDuration(s)) throw new Error(`expected a duration like "10s", got "${s}"`)
  let total = 0
  for (const m of s.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(m[1]) * UNIT[m[2]!]!
  return total
}

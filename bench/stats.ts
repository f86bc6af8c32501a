// Timing helpers for the benchmarks. Absolute times are noisy on a shared 2-core machine, so every
// figure is the median of a few repetitions and every comparison is made within one run.

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Milliseconds `fn` takes. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

export interface Sampled {
  /** Median of the samples, in ms. */
  ms: number
  samples: number[]
}

/** Runs `fn` `reps` times, one after another, and keeps every time. */
export async function sample(reps: number, fn: () => Promise<unknown>): Promise<Sampled> {
  const samples: number[] = []
  for (let i = 0; i < reps; i++) samples.push(await timeMs(fn))
  return { ms: median(samples), samples: samples.map(round) }
}

/** Rounded to 0.1 (ms, s, ratios): enough for noisy figures, short in JSON. */
export function round(x: number): number {
  return Math.round(x * 10) / 10
}

/** `a / b`, rounded; NaN when either side is missing. */
export function ratio(a: number, b: number): number {
  return b > 0 && Number.isFinite(a) ? round(a / b) : Number.NaN
}

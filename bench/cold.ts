// Cold builds: atelier's parallel build against the same builds one after another and against the
// critical path (the floor). By default from the per-image times of the last real build
// (build/last-build.json); `--cold` rebuilds a subset with --force --no-push at both concurrencies.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildPaths, runBuild } from '../lib/build.ts'
import { AtelierError } from '../lib/errors.ts'
import { select } from '../lib/graph.ts'
import { memoryLogger } from '../lib/log.ts'
import type { Repo } from '../lib/repo.ts'
import { criticalPath, sequentialSeconds } from './critical-path.ts'
import { ratio, round } from './stats.ts'

export interface ColdResult {
  source: 'last-build' | 'measured'
  at?: string
  images: string[]
  concurrency: number
  /** Wall time of the parallel build (includes packing, loading, pushing when it pushed). */
  parallelSeconds: number
  /** Sum of per-image times, or the wall time of a concurrency-1 build when measured. */
  sequentialSeconds: number
  criticalPathSeconds: number
  criticalPath: string[]
  /** sequential / parallel. */
  speedup: number
  /** parallel / critical path: 1.0 is the floor. */
  overFloor: number
  perImageSeconds: Record<string, number>
  engineCache: boolean
  note?: string
}

interface LastBuild {
  at: string
  wallSeconds: number
  concurrency: number
  noCache?: boolean
  images: Record<string, { status: string; seconds?: number }>
}

export async function coldFromLastBuild(repo: Repo): Promise<ColdResult | undefined> {
  let last: LastBuild
  try {
    last = JSON.parse(await readFile(join(buildPaths(repo).root, 'last-build.json'), 'utf8')) as LastBuild
  } catch {
    return undefined
  }
  const seconds: Record<string, number> = {}
  for (const [n, r] of Object.entries(last.images))
    if (r.status === 'built' && r.seconds) seconds[n] = round(r.seconds)
  const images = Object.keys(seconds)
  if (images.length < 2) return undefined
  const cp = criticalPath(seconds, repo.deps)
  const seq = sequentialSeconds(seconds)
  return {
    source: 'last-build',
    at: last.at,
    images,
    concurrency: last.concurrency,
    parallelSeconds: round(last.wallSeconds),
    sequentialSeconds: round(seq),
    criticalPathSeconds: round(cp.seconds),
    criticalPath: cp.chain,
    speedup: ratio(seq, last.wallSeconds),
    overFloor: ratio(last.wallSeconds, cp.seconds),
    perImageSeconds: seconds,
    engineCache: !last.noCache,
    note: 'per-image times were taken while other builds shared the 2 cores, so their sum overstates a sequential build',
  }
}

/**
 * Images `--cold` rebuilds by default, like `pnpm build --force --no-push <these>`: leaves of the graph
 * with different costs (C compile, Go binaries). Their bases stay as built; name bases to include them.
 */
export const COLD_SUBSET = ['redis', 'redis-exporter', 'node-exporter', 'registry']

async function timedBuild(
  repo: Repo,
  selected: string[],
  named: string[],
  noCache: boolean,
): Promise<{ wall: number; seconds: Record<string, number> }> {
  const logger = memoryLogger()
  const t = performance.now()
  const code = await runBuild(repo, selected, {
    force: true,
    push: false,
    restartRegistry: false,
    json: false,
    quiet: true,
    logger,
    noCache,
    named,
  })
  const wall = (performance.now() - t) / 1000
  const failed = logger.events.filter((e) => e.kind === 'failed')
  if (code !== 0)
    throw new AtelierError(
      'E_BENCH_BUILD',
      `the cold build failed: ${failed.map((e) => ('image' in e ? e.image : '')).join(', ')}`,
      {
        hint: 'run `pnpm build --force --no-push <image>` to see the failure',
      },
    )
  const seconds: Record<string, number> = {}
  for (const e of logger.events) if (e.kind === 'built') seconds[e.image] = round(e.seconds)
  return { wall, seconds }
}

export async function coldMeasured(
  repo: Repo,
  subset: string[],
  opts: { noCache: boolean; progress: (line: string) => void },
): Promise<ColdResult> {
  // Ancestors are selected (as the CLI does) but only the named images are forced.
  const selected = select(repo.deps, subset)
  const c = repo.config.concurrency
  opts.progress(
    `cold: pnpm build --force --no-push${opts.noCache ? ' (no engine cache)' : ''} ${subset.join(' ')}, at concurrency 1`,
  )
  const one = await timedBuild(
    { ...repo, config: { ...repo.config, concurrency: 1 } },
    selected,
    subset,
    opts.noCache,
  )
  opts.progress(`cold: the same at concurrency ${c}`)
  const par = await timedBuild(repo, selected, subset, opts.noCache)
  // Per-image times from the sequential run: nothing else competed for the cores.
  const cp = criticalPath(one.seconds, repo.deps)
  return {
    source: 'measured',
    at: new Date().toISOString(),
    images: subset,
    concurrency: c,
    parallelSeconds: round(par.wall),
    sequentialSeconds: round(one.wall),
    criticalPathSeconds: round(cp.seconds),
    criticalPath: cp.chain,
    speedup: ratio(one.wall, par.wall),
    overFloor: ratio(par.wall, cp.seconds),
    perImageSeconds: one.seconds,
    engineCache: !opts.noCache,
  }
}

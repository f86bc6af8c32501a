// The conventional way to build the same set: the rendered Dockerfiles through warm-cache
// `docker build` + `docker push`, one image after another, as contempt and bashbrew do. Pushes go
// to a registry of the bench's own (bench/run.ts starts one), never to the user's.
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { buildPaths, engineRefs, prepareContext } from '../lib/build.ts'
import { DOCKER } from '../lib/engine/docker.ts'
import { engineFor } from '../lib/engine/index.ts'
import { exec } from '../lib/exec.ts'
import { ancestors } from '../lib/graph.ts'
import type { Repo } from '../lib/repo.ts'
import { Store } from '../lib/store.ts'
import { median, round } from './stats.ts'

export const BENCH_NAMESPACE = 'atelier-bench'
const ENV = { DOCKER_BUILDKIT: '1' }

export interface BaselineResult {
  /** Images with a Dockerfile (bases made from a root filesystem pin have none). */
  images: string[]
  pushed: number
  /** Median wall time of the whole sequence. */
  totalMs: number
  perImageMs: number
  samples: number[]
  /** Median per image, build and push together. */
  byImage: Record<string, number>
}

/** Images built from a Dockerfile, in build order. */
export function dockerfileImages(repo: Repo): string[] {
  return Object.keys(repo.plans).filter((n) => !repo.images[n]!.recipe.rootfs)
}

/** Contexts under build/bench/context, and every parent the Dockerfiles name loaded in the engine. */
async function prepare(repo: Repo, images: string[]): Promise<Record<string, string>> {
  const paths = buildPaths(repo)
  const store = new Store(resolve(repo.root, repo.config.storeDir))
  const engine = engineFor(repo.config)
  for (const a of ancestors(repo.deps, images)) {
    const p = repo.plans[a]!
    if (!(await engine.has(p.ref))) await engine.load(paths.layout(a), engineRefs(p))
  }
  const dirs: Record<string, string> = {}
  for (const n of images) {
    dirs[n] = join(paths.root, 'bench', 'context', n)
    await mkdir(dirs[n], { recursive: true })
    await prepareContext(repo, n, store, dirs[n])
  }
  return dirs
}

async function buildAndPush(repo: Repo, name: string, ctx: string, tag: string): Promise<void> {
  const p = repo.plans[name]!.plan
  const net = p.network ? 'default' : 'none'
  await exec([DOCKER, 'build', '-q', `--platform=${p.platform}`, `--network=${net}`, '-t', tag, ctx], {
    env: ENV,
  })
  if (p.push) await exec([DOCKER, 'push', '-q', tag], { env: ENV })
}

/** One untimed pass fills BuildKit's cache and the registry, then `reps` timed passes. */
export async function benchBaseline(
  repo: Repo,
  reps: number,
  progress: (line: string) => void,
  host: string,
): Promise<BaselineResult> {
  const images = dockerfileImages(repo)
  const tag = (n: string): string => `${host}/${BENCH_NAMESPACE}/${n}:baseline`
  const dirs = await prepare(repo, images)
  progress(`docker baseline: warming ${images.length} image(s) (build + push once)`)
  for (const n of images) await buildAndPush(repo, n, dirs[n]!, tag(n))
  const totals: number[] = []
  const per: Record<string, number[]> = Object.fromEntries(images.map((n) => [n, []]))
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now()
    for (const n of images) {
      const t = performance.now()
      await buildAndPush(repo, n, dirs[n]!, tag(n))
      per[n]!.push(performance.now() - t)
    }
    totals.push(performance.now() - t0)
  }
  const totalMs = median(totals)
  return {
    images,
    pushed: images.filter((n) => repo.plans[n]!.plan.push).length,
    totalMs: round(totalMs),
    perImageMs: round(totalMs / images.length),
    samples: totals.map(round),
    byImage: Object.fromEntries(images.map((n) => [n, round(median(per[n]!))])),
  }
}

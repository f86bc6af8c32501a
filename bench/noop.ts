// atelier's no-op build (everything cached and pushed): in-process, to get the marginal cost of one
// more image without process start, and as the real CLI under Node (tsx) and Deno, start-up included.
import { join } from 'node:path'
import { clientsFor, registryRepo, runBuild } from '../lib/build.ts'
import { AtelierError } from '../lib/errors.ts'
import { exec } from '../lib/exec.ts'
import { select } from '../lib/graph.ts'
import { type Event, memoryLogger } from '../lib/log.ts'
import { openRepo, type Repo } from '../lib/repo.ts'
import { median, round, type Sampled, sample } from './stats.ts'

export interface InProcess {
  /** The whole set. */
  allMs: number
  allImages: number
  /** One image and its ancestors, as `pnpm build <image>` selects them. */
  oneMs: number
  oneImages: string[]
  /** Opening the repository (config, recipes, locks, plans), which the CLI pays before building. */
  openRepoMs: number
  /** Median over repetitions of (all - one) / (images in all - images in one). */
  perImageMs: number
  /** One manifest HEAD to the first registry, one after another: what each pushed image costs at least. */
  registryHeadMs: number
  samples: { all: number[]; one: number[] }
}

export interface Cli {
  /** `hack/build.ts` with nothing to do. */
  noopMs: number
  /** An empty module under the same runtime: the floor. */
  startMs: number
  samples: number[]
}

const OPTS = { force: false, push: true, restartRegistry: false, json: false, quiet: true }

function notNoop(what: string): AtelierError {
  return new AtelierError(
    'E_BENCH_NOT_NOOP',
    `the no-op build did work (${what}): something changed under the bench`,
    {
      hint: 'another build or a commit changed keys while benchmarking: run `pnpm build`, then `pnpm bench` again',
    },
  )
}

/** What a no-op must not do. */
function work(events: Event[]): string[] {
  return events
    .filter((e) => e.kind === 'built' || e.kind === 'pushed' || e.kind === 'failed')
    .map((e) => `${e.kind} ${'image' in e ? e.image : ''}`)
}

export async function benchInProcess(repo: Repo, reps: number, one: string): Promise<InProcess> {
  const all = select(repo.deps, [])
  const oneSel = select(repo.deps, [one])
  const times = { all: [] as number[], one: [] as number[] }
  // One untimed round warms the registry connection pool and the file cache.
  for (let i = 0; i <= reps; i++) {
    for (const [k, sel] of [
      ['one', oneSel],
      ['all', all],
    ] as const) {
      const logger = memoryLogger()
      const t = performance.now()
      const code = await runBuild(repo, sel, { ...OPTS, logger })
      const ms = performance.now() - t
      const did = work(logger.events)
      if (code !== 0 || did.length) throw notNoop(`exit ${code}${did.length ? `: ${did.join(', ')}` : ''}`)
      if (i > 0) times[k].push(ms)
    }
  }
  const openRepoMs = (await sample(reps, () => openRepo(repo.root))).ms
  const client = clientsFor(repo)[0]
  const ref = registryRepo(repo.config.registries[0]?.namespace ?? '', one)
  const registryHeadMs = client
    ? (await sample(reps, () => client.hasManifest(ref, repo.plans[one]!.tags[1]!))).ms
    : Number.NaN
  const allMs = median(times.all)
  const oneMs = median(times.one)
  return {
    allMs: round(allMs),
    allImages: all.length,
    oneMs: round(oneMs),
    oneImages: oneSel,
    openRepoMs: round(openRepoMs),
    // Paired: each repetition's all-minus-one, so load drifting between repetitions cancels out.
    perImageMs:
      Math.round(median(times.all.map((a, i) => (a - times.one[i]!) / (all.length - oneSel.length))) * 100) /
      100,
    registryHeadMs: Math.round(registryHeadMs * 100) / 100,
    samples: { all: times.all.map(round), one: times.one.map(round) },
  }
}

async function timeCommand(
  root: string,
  argv: string[],
  reps: number,
  check?: (out: string) => void,
): Promise<Sampled> {
  const out = await exec(argv, { cwd: root }) // warm-up: Deno's and tsx's compile caches
  check?.(out)
  return sample(reps, () => exec(argv, { cwd: root }))
}

function checkNoop(out: string): void {
  const events = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Event)
  const did = work(events)
  if (did.length) throw notNoop(did.join(', '))
}

/** How each runtime runs a TypeScript entry from the repository root. */
export function runtimes(root: string): { node: string[]; deno: string[] } {
  const bin = (n: string): string => join(root, 'node_modules/.bin', n)
  return { node: [bin('tsx')], deno: [bin('deno'), 'run', '-A'] }
}

/** The in-process figures under Deno: the same measurement in a Deno process (bench/marginal.ts). */
export async function benchInProcessDeno(root: string, reps: number, one: string): Promise<InProcess> {
  const out = await exec([...runtimes(root).deno, 'bench/marginal.ts', one, String(reps)], { cwd: root })
  return JSON.parse(out.trim().split('\n').at(-1)!) as InProcess
}

export async function benchCli(root: string, reps: number): Promise<{ node: Cli; deno: Cli }> {
  const out: Record<string, Cli> = {}
  for (const [name, run] of Object.entries(runtimes(root))) {
    const start = await timeCommand(root, [...run, 'bench/start.ts'], reps)
    const noop = await timeCommand(root, [...run, 'hack/build.ts', '--json'], reps, checkNoop)
    out[name] = { noopMs: round(noop.ms), startMs: round(start.ms), samples: noop.samples }
  }
  return { node: out.node!, deno: out.deno! }
}

// pnpm bench [--cold [--cold-images a,b] [--no-cache]] [--readme] [--reps N] [--skip section,...]
// Side-by-side benchmarks measured in the same run on the same machine; prints tables with ratios and
// writes bench/results/latest.json (and sizes.json). Builds and pushes the set first when it is not.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { buildPaths, clientsFor, registryRepo, runBuild } from '../lib/build.ts'
import { main, parse, repoRoot } from '../lib/cli.ts'
import { AtelierError, EXIT, UsageError } from '../lib/errors.ts'
import { select } from '../lib/graph.ts'
import { consoleLogger } from '../lib/log.ts'
import { openRepo, type Repo } from '../lib/repo.ts'
import { type BaselineResult, benchBaseline } from './baseline.ts'
import { COLD_SUBSET, type ColdResult, coldFromLastBuild, coldMeasured } from './cold.ts'
import { benchCli, benchInProcess } from './noop.ts'
import { benchPush, type PushResult } from './push.ts'
import { imageTable, replaceBlock, type SizeRow } from './readme.ts'
import { benchRefresh, type RefreshResult } from './refresh.ts'
import { benchSizes } from './sizes.ts'
import { ratio, round } from './stats.ts'
import { formatTable, megabytes, ms, seconds, times } from './table.ts'

const USAGE = `usage: pnpm bench [options]
  --reps N             repetitions per timing (median); default 5
  --cold               rebuild a subset with --force --no-push at the configured concurrency and at 1
  --cold-images a,b    the subset for --cold (default ${COLD_SUBSET.join(',')}, with their ancestors)
  --no-cache           with --cold: also bypass the engine's build cache
  --readme             rewrite the image table in README.md
  --image NAME         image for the push and refresh benchmarks (default redis)
  --skip a,b           leave out sections: noop, cold, sizes, push, refresh`

const SECTIONS = ['noop', 'cold', 'sizes', 'push', 'refresh'] as const
const MARGINAL_GOAL_MS = 5

const progress = (line: string): void => void process.stdout.write(`· ${line}\n`)

/** Images that are not where a no-op build expects them: packed locally and in every registry. */
async function missing(repo: Repo): Promise<string[]> {
  const paths = buildPaths(repo)
  const clients = clientsFor(repo)
  const out: string[] = []
  for (const [n, p] of Object.entries(repo.plans)) {
    const marker = await readFile(join(paths.layout(n), 'atelier.json'), 'utf8').then(
      (t) => JSON.parse(t) as { key: string },
      () => undefined,
    )
    let ok = marker?.key === p.key
    if (ok && p.plan.push)
      for (const [i, c] of clients.entries()) {
        const ns = repo.config.registries[i]!.namespace
        if (!(await c.hasManifest(registryRepo(ns, n), p.tags[1]!).catch(() => undefined))) ok = false
      }
    if (!ok) out.push(n)
  }
  return out
}

interface NoopJson {
  /** atelier's cost of one more image in a no-op build, in-process (ms). */
  marginalMs: number
  /** docker build + push of the whole set, one after another, over atelier's whole-set no-op. */
  ratio: { inProcess: number; cliNode: number; cliDeno: number }
  /** docker's time per image over atelier's marginal cost per image. */
  perImageRatio: number
  goals: { marginalUnder5ms: boolean; startShareNode: number; startShareDeno: number }
  atelier: {
    inProcess: Awaited<ReturnType<typeof benchInProcess>>
    cli: Awaited<ReturnType<typeof benchCli>>
  }
  docker: BaselineResult
}

function noopTables(n: NoopJson): string {
  const d = n.docker
  const a = n.atelier
  const whole = formatTable(
    ['no-op build of the whole set', 'images', 'median', 'process start', 'docker / this'],
    [
      [`docker build + push, one after another`, String(d.images.length), ms(d.totalMs), '-', '1.0x'],
      [
        'atelier runBuild, in-process',
        String(a.inProcess.allImages),
        ms(a.inProcess.allMs),
        '-',
        times(n.ratio.inProcess),
      ],
      [
        'atelier CLI under Node (tsx hack/build.ts)',
        String(a.inProcess.allImages),
        ms(a.cli.node.noopMs),
        ms(a.cli.node.startMs),
        times(n.ratio.cliNode),
      ],
      [
        'atelier CLI under Deno (deno run -A)',
        String(a.inProcess.allImages),
        ms(a.cli.deno.noopMs),
        ms(a.cli.deno.startMs),
        times(n.ratio.cliDeno),
      ],
    ],
  )
  const per = formatTable(
    ['cost of one more image', 'median', 'docker / this'],
    [
      ['docker build + push (whole sequence / images)', ms(d.perImageMs), '1.0x'],
      [
        `atelier marginal (all ${a.inProcess.allImages} vs ${a.inProcess.oneImages.length} for ${a.inProcess.oneImages.at(-1)})`,
        ms(n.marginalMs),
        times(n.perImageRatio),
      ],
      ['atelier openRepo (paid once per process)', ms(a.inProcess.openRepoMs), '-'],
    ],
  )
  const verdict = [
    `goal: marginal cost under ${MARGINAL_GOAL_MS} ms an image: ${n.goals.marginalUnder5ms ? 'MET' : 'MISSED'} (${ms(n.marginalMs)})`,
    `goal: whole-set no-op dominated by process start: Node ${Math.round(n.goals.startShareNode * 100)}% of the run is start-up, Deno ${Math.round(n.goals.startShareDeno * 100)}%`,
  ]
  return [whole, '', per, '', ...verdict].join('\n')
}

function coldTable(c: ColdResult | undefined): string {
  if (!c)
    return 'cold build: no per-image times yet (build/last-build.json is written by the next `pnpm build` that builds something; or run `pnpm bench --cold`)'
  const head = `cold build of ${c.images.length} image(s), ${c.source === 'measured' ? 'measured now' : `from the last build (${c.at})`}, engine cache ${c.engineCache ? 'on' : 'off'}`
  const t = formatTable(
    [head, 'seconds', 'vs parallel'],
    [
      [`atelier, concurrency ${c.concurrency}`, seconds(c.parallelSeconds), '1.0x'],
      [
        c.source === 'measured' ? 'the same builds, concurrency 1' : 'sum of per-image build times',
        seconds(c.sequentialSeconds),
        times(c.speedup),
      ],
      [
        `critical path (${c.criticalPath.join(' > ')})`,
        seconds(c.criticalPathSeconds),
        times(c.criticalPathSeconds / c.parallelSeconds),
      ],
    ],
  )
  return [t, `parallel is ${times(c.overFloor)} the floor${c.note ? `; note: ${c.note}` : ''}`].join('\n')
}

function sizesTable(rows: SizeRow[]): string {
  return formatTable(
    [
      'image',
      'version',
      'payload',
      'compressed',
      'uncompressed',
      'image / payload',
      'conventional',
      'conventional / image',
    ],
    rows.map((r) => [
      r.image,
      r.version,
      megabytes(r.payload),
      megabytes(r.compressed),
      megabytes(r.uncompressed),
      times(r.uncompressed / r.payload),
      megabytes(r.conventional),
      r.conventional ? times(r.conventional / r.uncompressed) : '-',
    ]),
  )
}

function pushTable(p: PushResult): string {
  return formatTable(
    ['push', 'blobs uploaded', 'blobs already there', 'requests', 'time'],
    [
      [
        `${p.unchanged.image} unchanged (${p.unchanged.repository})`,
        String(p.unchanged.blobsUploaded),
        String(p.unchanged.blobsSkipped),
        String(p.unchanged.requests),
        ms(p.unchanged.ms),
      ],
      [
        `all ${p.unchangedSet.images} images unchanged`,
        String(p.unchangedSet.blobsUploaded),
        String(p.unchangedSet.blobsSkipped),
        String(p.unchangedSet.requests),
        ms(p.unchangedSet.ms),
      ],
      [
        `${p.oneLayerChange.image} + one ${p.oneLayerChange.layerBytes}-byte layer (${p.oneLayerChange.repository})`,
        String(p.oneLayerChange.blobsUploaded),
        String(p.oneLayerChange.blobsSkipped),
        String(p.oneLayerChange.requests),
        ms(p.oneLayerChange.ms),
      ],
    ],
  )
}

function refreshTable(r: RefreshResult): string {
  const row = (label: string, t: RefreshResult['asIs']): string[] => [
    label,
    seconds(t.ms / 1000),
    String(t.outOfDate.length),
    String(t.failed.length),
    t.outOfDate.join(' ') || '-',
  ]
  return formatTable(
    ['refresh --check of the whole set', 'time', 'out of date', 'failed', 'which'],
    [
      row('the repository as it is', r.asIs),
      row(`a copy with ${r.oneChange.edited} edited back`, r.oneChange),
    ],
  )
}

main(async (argv) => {
  const { values } = parse(
    argv,
    {
      reps: { type: 'string' },
      cold: { type: 'boolean' },
      'cold-images': { type: 'string' },
      'no-cache': { type: 'boolean' },
      readme: { type: 'boolean' },
      image: { type: 'string' },
      skip: { type: 'string' },
    },
    USAGE,
  )
  if (values.help) return void console.log(USAGE)
  const reps = Number(values.reps ?? 5)
  if (!Number.isInteger(reps) || reps < 1)
    throw new UsageError(`--reps ${values.reps}: expected a whole number >= 1`, USAGE)
  const skip = new Set((values.skip ?? '').split(',').filter(Boolean))
  for (const s of skip)
    if (!(SECTIONS as readonly string[]).includes(s))
      throw new UsageError(`--skip ${s}: one of ${SECTIONS.join(', ')}`, USAGE)
  const root = repoRoot()
  const repo = await openRepo(root)
  const image = values.image ?? 'redis'
  if (!repo.plans[image]?.plan.push)
    throw new UsageError(`--image ${image}: not a pushed image of this set`, USAGE)

  const absent = await missing(repo)
  if (absent.length) {
    progress(
      `the set is not fully built and pushed (${absent.join(', ')}): building it first with \`pnpm build\`; this is not timed`,
    )
    const code = await runBuild(repo, select(repo.deps, []), {
      force: false,
      push: true,
      restartRegistry: false,
      json: false,
      quiet: true,
      logger: consoleLogger({ quiet: true }),
    })
    if (code !== EXIT.ok)
      throw new AtelierError('E_BENCH_BUILD', 'the set did not build, so there is nothing to benchmark', {
        hint: 'fix the failures above (`pnpm build`), then run `pnpm bench` again',
      })
  }

  const out: Record<string, unknown> = {
    at: new Date().toISOString(),
    machine: {
      cpus: availableParallelism(),
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
    },
    reps,
  }
  const report: string[] = []

  if (!skip.has('noop')) {
    // In-process runs take ~0.1 s and their differences are small: more repetitions, same budget.
    progress(`no-op: atelier in-process, ${reps * 4} repetitions`)
    const inProcess = await benchInProcess(repo, reps * 4, image)
    progress(`no-op: atelier CLI under Node and Deno, ${reps} repetitions each`)
    const cli = await benchCli(root, reps)
    const docker = await benchBaseline(repo, reps, progress)
    const noop: NoopJson = {
      marginalMs: inProcess.perImageMs,
      ratio: {
        inProcess: ratio(docker.totalMs, inProcess.allMs),
        cliNode: ratio(docker.totalMs, cli.node.noopMs),
        cliDeno: ratio(docker.totalMs, cli.deno.noopMs),
      },
      perImageRatio: ratio(docker.perImageMs, Math.max(inProcess.perImageMs, 0.01)),
      goals: {
        marginalUnder5ms: inProcess.perImageMs < MARGINAL_GOAL_MS,
        startShareNode: round((cli.node.startMs / cli.node.noopMs) * 100) / 100,
        startShareDeno: round((cli.deno.startMs / cli.deno.noopMs) * 100) / 100,
      },
      atelier: { inProcess, cli },
      docker,
    }
    out.noop = noop
    report.push(noopTables(noop))
  }

  if (!skip.has('cold')) {
    let cold: ColdResult | undefined
    if (values.cold) {
      const subset = values['cold-images']
        ? values['cold-images'].split(',')
        : COLD_SUBSET.filter((n) => n in repo.plans)
      cold = await coldMeasured(repo, subset, { noCache: values['no-cache'] ?? false, progress })
    } else cold = await coldFromLastBuild(repo)
    out.cold = cold ?? null
    report.push(coldTable(cold))
  }

  if (!skip.has('sizes')) {
    progress('sizes: images, payloads and conventional images')
    const rows = await benchSizes(repo, progress)
    out.sizes = rows
    report.push(sizesTable(rows))
    await mkdir(join(root, 'bench/results'), { recursive: true })
    await writeFile(
      join(root, 'bench/results/sizes.json'),
      `${JSON.stringify({ at: out.at, images: rows }, null, 2)}\n`,
    )
    if (values.readme) {
      const path = join(root, 'README.md')
      await writeFile(path, replaceBlock(await readFile(path, 'utf8'), imageTable(rows)))
      progress('README.md: image table rewritten')
    }
  } else if (values.readme) throw new UsageError('--readme needs the sizes section', USAGE)

  if (!skip.has('push')) {
    progress(`push: ${image} unchanged, the whole set unchanged, ${image} with one more layer`)
    const push = await benchPush(repo, image)
    out.push = push
    report.push(pushTable(push))
  }

  if (!skip.has('refresh')) {
    const refresh = await benchRefresh(root, image, progress)
    out.refresh = refresh
    report.push(refreshTable(refresh))
  }

  await mkdir(join(root, 'bench/results'), { recursive: true })
  await writeFile(join(root, 'bench/results/latest.json'), `${JSON.stringify(out, null, 2)}\n`)
  process.stdout.write(`\n${report.join('\n\n')}\n\nresults: bench/results/latest.json\n`)
  return EXIT.ok
})

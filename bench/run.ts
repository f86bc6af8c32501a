// pnpm bench [--cold [--cold-images a,b] [--no-cache]] [--readme] [--reps N] [--skip section,...]
// Side-by-side benchmarks measured in the same run on the same machine; prints tables with ratios and
// writes bench/results/latest.json (and sizes.json). Builds and pushes the set first when it is not.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { buildPaths, clientsFor, registryRepo, runBuild } from '../lib/build.ts'
import { main, parse, repoRoot } from '../lib/cli.ts'
import { AtelierError, EXIT, UsageError } from '../lib/errors.ts'
import { select } from '../lib/graph.ts'
import { consoleLogger } from '../lib/log.ts'
import { startRegistry, type TestRegistry } from '../lib/registry/testing.ts'
import { openRepo, type Repo } from '../lib/repo.ts'
import { benchBaseline } from './baseline.ts'
import { COLD_SUBSET, type ColdResult, coldFromLastBuild, coldMeasured } from './cold.ts'
import { benchCli, benchInProcess, benchInProcessDeno } from './noop.ts'
import { benchPush } from './push.ts'
import { imageTable, replaceBlock } from './readme.ts'
import { benchRefresh } from './refresh.ts'
import { coldTable, noopTables, pushTable, refreshTable, sizesTable, summarizeNoop } from './report.ts'
import { benchSizes } from './sizes.ts'
import { round } from './stats.ts'

const USAGE = `usage: pnpm bench [options]
  --reps N             repetitions per timing (median); default 5
  --cold               rebuild a subset with --force --no-push at the configured concurrency and at 1
  --cold-images a,b    the subset for --cold (default ${COLD_SUBSET.join(',')}, with their ancestors)
  --no-cache           with --cold: also bypass the engine's build cache
  --readme             rewrite the image table in README.md
  --image NAME         image for the push and refresh benchmarks (default redis)
  --skip a,b           leave out sections: noop, cold, sizes, push, refresh`

const SECTIONS = ['noop', 'cold', 'sizes', 'push', 'refresh'] as const

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
    // Packed locally first (sizes and pushes read the layouts; a registry that already holds the
    // keys would otherwise let the build skip them), then pushed where missing.
    let code: number = EXIT.ok
    for (const push of [false, true]) {
      if (code !== EXIT.ok) break
      code = await runBuild(repo, select(repo.deps, []), {
        force: false,
        push,
        restartRegistry: false,
        json: false,
        quiet: true,
        logger: consoleLogger({ quiet: true }),
      })
    }
    if (code !== EXIT.ok)
      throw new AtelierError('E_BENCH_BUILD', 'the set did not build, so there is nothing to benchmark', {
        hint: 'fix the failures above (`pnpm build`), then run `pnpm bench` again',
      })
  }

  const out: Record<string, unknown> = {
    at: new Date().toISOString(),
    machine: {
      cpus: availableParallelism(),
      /** 1, 5, 15 minutes at the start: a shared machine makes absolute times move. */
      loadAverage: loadavg().map(round),
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
    },
    reps,
  }
  const load = loadavg().map((x) => x.toFixed(1))
  const report: string[] = [
    `${availableParallelism()} cores, load average ${load.join(' ')}: absolute times move with load; compare within this run`,
  ]

  // The docker baseline and the one-layer change push to a registry of their own (a docker-registry
  // on a free loopback port, removed at the end), never into the user's registries.
  let side: TestRegistry | undefined
  const sideRegistry = async (): Promise<TestRegistry> => {
    side ??= await startRegistry()
    return side
  }

  if (!skip.has('noop')) {
    // In-process runs take ~0.1 s and their differences are small: more repetitions, same budget.
    progress(`no-op: atelier in-process, ${reps * 4} repetitions`)
    const inProcess = await benchInProcess(repo, reps * 4, image)
    progress(`no-op: the same in a Deno process`)
    const inProcessDeno = await benchInProcessDeno(root, reps * 4, image)
    progress(`no-op: atelier CLI under Node and Deno, ${reps} repetitions each`)
    const cli = await benchCli(root, reps)
    const docker = await benchBaseline(repo, reps, progress, (await sideRegistry()).host)
    const noop = summarizeNoop(inProcess, inProcessDeno, cli, docker)
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
    const push = await benchPush(repo, image, (await sideRegistry()).config)
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
  await side?.dispose()
  return EXIT.ok
})

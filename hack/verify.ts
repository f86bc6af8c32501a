// pnpm verify <image>...|--all: build each image again from nothing and compare digests; exit 0 only
// when every one reproduced bit for bit. Runs itself under faketime (+1 day) when available, so the
// second build also sees a different clock.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { runBuild } from '../lib/build.ts'
import { main, parse, repoRoot } from '../lib/cli.ts'
import { EXIT, UsageError } from '../lib/errors.ts'
import { select } from '../lib/graph.ts'
import { consoleLogger } from '../lib/log.ts'
import { openRepo } from '../lib/repo.ts'
import { verifyImage } from '../lib/verify.ts'

const USAGE = 'usage: pnpm verify <image>... | --all [--engine docker|buildah]'

main(async (argv) => {
  const { values, positionals } = parse(
    argv,
    { all: { type: 'boolean' }, engine: { type: 'string' }, 'no-faketime': { type: 'boolean' } },
    USAGE,
  )
  if (values.help) return void console.log(USAGE)
  if (!values.all && positionals.length === 0) throw new UsageError('name images to verify, or --all', USAGE)
  const engine = values.engine as 'docker' | 'buildah' | undefined
  const repo = await openRepo(repoRoot())
  const names = values.all
    ? Object.keys(repo.plans)
    : select(repo.deps, positionals).filter((n) => positionals.includes(n))
  // The first build (cached when it exists); parents must be in the engine for the second one.
  const code = await runBuild(repo, select(repo.deps, names), {
    force: false,
    push: false,
    restartRegistry: false,
    json: false,
    quiet: true,
    ...(engine ? { engine } : {}),
  })
  if (code !== EXIT.ok) return code
  if (!process.env.ATELIER_FAKETIME && !values['no-faketime'] && existsSync('/usr/bin/faketime')) {
    // Re-run the comparison under a clock one day ahead.
    const r = spawnSync(
      '/usr/bin/faketime',
      ['-f', '+1d', process.execPath, ...process.execArgv, process.argv[1]!, ...argv],
      {
        stdio: 'inherit',
        env: { ...process.env, ATELIER_FAKETIME: '1' },
      },
    )
    return r.status ?? EXIT.failed
  }
  let ok = true
  for (const name of names) {
    const r = await verifyImage(repo, name, consoleLogger({ quiet: true }), engine ? { engine } : {})
    ok &&= r.reproduced
    console.log(
      `${name}: ${r.reproduced ? 'reproduced' : 'DIFFERS'} (first ${r.first}, second ${r.second})${process.env.ATELIER_FAKETIME ? ' [clock +1d]' : ''}`,
    )
    if (r.diff) console.log(r.diff)
  }
  return ok ? EXIT.ok : EXIT.failed
})

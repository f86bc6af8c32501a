// pnpm refresh [image...] [--check] [--commit] [--accept-changed] [--build]
// Bumps every pin of the named images (all without names) to its newest upstream version, re-pins by hash,
// re-renders, and optionally commits one change per image. Exit: 0 current or refreshed; 1 a lookup
// failed, or with --check something is out of date; 2 bad usage or recipes.
import { main, parse, repoRoot } from '../lib/cli.ts'
import { EXIT } from '../lib/errors.ts'
import { select } from '../lib/graph.ts'
import { formatRefresh } from '../lib/refresh/report.ts'
import { runRefresh } from '../lib/refresh/run.ts'

const USAGE = `usage: pnpm refresh [image...] [options]
  --check            change nothing; exit 1 when a pin is out of date (lists what)
  --commit           one git commit per changed image, message from its BOM diff
  --accept-changed   re-pin files that changed upstream under an unchanged version
  --build            then build the images whose cache keys changed (and their dependents)
  --verbose          show each lookup
  --debug            show stacks on errors`

main(async (argv) => {
  const { values, positionals } = parse(
    argv,
    {
      check: { type: 'boolean' },
      commit: { type: 'boolean' },
      'accept-changed': { type: 'boolean' },
      build: { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
    USAGE,
  )
  if (values.help) return void console.log(USAGE)
  const result = await runRefresh(repoRoot(), {
    images: positionals,
    check: values.check ?? false,
    commit: values.commit ?? false,
    acceptChanged: values['accept-changed'] ?? false,
    ...(values.verbose ? { progress: (l: string) => console.error(l) } : {}),
  })
  const { out, err } = formatRefresh(result, { check: values.check ?? false })
  for (const l of out) console.log(l)
  for (const l of err) console.error(l)
  if (values.build && result.repo && result.keysChanged.length) {
    const { runBuild } = await import('../lib/build.ts')
    const selected = select(result.repo.deps, result.keysChanged, { withDependents: true })
    const code = await runBuild(result.repo, selected, {
      force: false,
      push: true,
      restartRegistry: false,
      json: false,
      quiet: false,
    })
    return Math.max(code, result.exitCode)
  }
  return result.exitCode === EXIT.ok ? EXIT.ok : result.exitCode
})

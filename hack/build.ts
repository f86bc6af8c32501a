// pnpm build [image...] [--print] [--with-dependents] [--force] [--no-push] [--json] [--quiet]
// Builds the images and their ancestors in dependency order, then pushes them. --print shows the
// resolved plans and build order as JSON and builds nothing.
import { main, parse, repoRoot } from '../lib/cli.ts'
import { EXIT } from '../lib/errors.ts'
import { levels, select } from '../lib/graph.ts'
import { openRepo } from '../lib/repo.ts'

const USAGE = `usage: pnpm build [image...] [options]
  --print             print the build order and every plan as JSON; build nothing
  --with-dependents   also rebuild the images built on the named ones
  --force             rebuild the named images (all with no name) even when already built
  --no-push           build and keep locally; push nowhere
  --restart-registry  replace a running bootstrapped registry with the freshly built one
  --json | --quiet    machine-readable events | only results and failures
  --verbose           stream the engine's output (also kept in build/logs/<image>.log)
  --debug             show stacks on errors`

main(async (argv) => {
  const { values, positionals } = parse(
    argv,
    {
      print: { type: 'boolean' },
      'with-dependents': { type: 'boolean' },
      force: { type: 'boolean' },
      'no-push': { type: 'boolean' },
      'restart-registry': { type: 'boolean' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
    USAGE,
  )
  if (values.help) return void console.log(USAGE)
  const repo = await openRepo(repoRoot())
  const selected = select(repo.deps, positionals, { withDependents: values['with-dependents'] ?? false })
  if (values.print) {
    const sub = Object.fromEntries(
      selected.map((n) => [n, repo.deps[n]!.filter((d) => selected.includes(d))]),
    )
    const out = {
      order: selected,
      levels: levels(sub),
      images: Object.fromEntries(
        selected.map((n) => [
          n,
          {
            key: repo.plans[n]!.key,
            ref: repo.plans[n]!.ref,
            tags: repo.plans[n]!.tags,
            plan: repo.plans[n]!.plan,
          },
        ]),
      ),
    }
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
    return EXIT.ok
  }
  const { runBuild } = await import('../lib/build.ts')
  return runBuild(repo, selected, {
    force: values.force ?? false,
    named: positionals,
    push: !values['no-push'],
    restartRegistry: values['restart-registry'] ?? false,
    json: values.json ?? false,
    quiet: values.quiet ?? false,
    verbose: values.verbose ?? false,
  })
})

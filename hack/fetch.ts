// pnpm fetch <image>...: write each image's build context (Dockerfile, files, sources fetched and
// verified by sha256) under build/context/<image>, so `docker build build/context/<image>` rebuilds it by hand.
import { join } from 'node:path'
import { buildPaths, prepareContext } from '../lib/build.ts'
import { main, parse, repoRoot } from '../lib/cli.ts'
import { EXIT } from '../lib/errors.ts'
import { select } from '../lib/graph.ts'
import { openRepo } from '../lib/repo.ts'
import { Store } from '../lib/store.ts'

const USAGE = 'usage: pnpm fetch <image>...'

main(async (argv) => {
  const { values, positionals } = parse(argv, {}, USAGE)
  if (values.help) return void console.log(USAGE)
  const repo = await openRepo(repoRoot())
  const store = new Store(join(repo.root, repo.config.storeDir))
  const paths = buildPaths(repo)
  for (const name of select(repo.deps, positionals).filter(
    (n) => positionals.length === 0 || positionals.includes(n),
  )) {
    if (repo.images[name]!.recipe.rootfs) {
      console.log(`${name}: a root filesystem base; \`pnpm build ${name}\` makes it`)
      continue
    }
    await prepareContext(repo, name, store, paths.context(name))
    console.log(
      `${name}: ${paths.context(name)} (${Object.keys(repo.plans[name]!.plan.sources).length} source file(s) verified)`,
    )
  }
  return EXIT.ok
})

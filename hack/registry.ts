// pnpm registry start|stop|status: the repository's own registry (see lib/bootstrap.ts).

import { join } from 'node:path'
import { ensureRegistry, REGISTRY_IMAGE, registryStatus, stopRegistry } from '../lib/bootstrap.ts'
import { buildPaths } from '../lib/build.ts'
import { main, parse, repoRoot } from '../lib/cli.ts'
import { engineFor } from '../lib/engine/index.ts'
import { EXIT, UsageError } from '../lib/errors.ts'
import { consoleLogger } from '../lib/log.ts'
import { openRepo } from '../lib/repo.ts'
import { Store } from '../lib/store.ts'

const USAGE = `usage: pnpm registry start [--restart] | stop | status [--json]`

main(async (argv) => {
  const { values, positionals } = parse(
    argv,
    { restart: { type: 'boolean' }, json: { type: 'boolean' } },
    USAGE,
  )
  if (values.help) return void console.log(USAGE)
  const verb = positionals[0]
  if (!verb || !['start', 'stop', 'status'].includes(verb))
    throw new UsageError(`expected start, stop or status, got ${verb ?? 'nothing'}`, USAGE)
  const repo = await openRepo(repoRoot())
  if (verb === 'status') {
    const s = await registryStatus(repo)
    if (values.json) console.log(JSON.stringify(s, null, 2))
    else {
      console.log(`${s.url}: ${s.answering ? 'answering' : 'not answering'}`)
      if (s.container)
        console.log(
          `container ${repo.config.registry.container}: ${s.container.state}${s.container.health ? ` (${s.container.health})` : ''}, image ${s.container.image}`,
        )
      if (s.currentRef && s.container && s.container.image !== s.currentRef)
        console.log(`the recipes now give ${s.currentRef}: \`pnpm registry start --restart\` replaces it`)
    }
    return s.answering ? EXIT.ok : EXIT.failed
  }
  if (verb === 'stop') {
    console.log(
      (await stopRegistry(repo))
        ? `stopped ${repo.config.registry.container} (data kept in volume ${repo.config.registry.volume})`
        : 'no registry container',
    )
    return EXIT.ok
  }
  const engine = engineFor(repo.config, 'docker')
  const logger = consoleLogger()
  await ensureRegistry(repo, {
    engine,
    store: new Store(join(repo.root, repo.config.storeDir)),
    paths: buildPaths(repo),
    logger,
    restart: values.restart ?? false,
  })
  console.log(`${REGISTRY_IMAGE} answering (${(await registryStatus(repo)).url})`)
  return EXIT.ok
})

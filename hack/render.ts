// pnpm render [--check]: write each image's Dockerfile from its Plan; --check fails on stale ones.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { main, parse, repoRoot } from '../lib/cli.ts'
import { EXIT } from '../lib/errors.ts'
import { writeAtomic } from '../lib/lock.ts'
import { openRepo } from '../lib/repo.ts'

const USAGE = 'usage: pnpm render [--check]'

main(async (argv) => {
  const { values } = parse(argv, { check: { type: 'boolean' } }, USAGE)
  if (values.help) return void console.log(USAGE)
  const root = repoRoot()
  const repo = await openRepo(root)
  const stale: string[] = []
  for (const [name, p] of Object.entries(repo.plans)) {
    const path = join(root, repo.images[name]!.dir, 'Dockerfile')
    const current = await readFile(path, 'utf8').catch(() => '')
    if (current === p.plan.dockerfile) continue
    if (values.check) stale.push(path.slice(root.length + 1))
    else {
      await writeAtomic(path, p.plan.dockerfile)
      console.log(`rendered ${path.slice(root.length + 1)}`)
    }
  }
  if (stale.length) {
    console.error(
      `stale Dockerfiles (run \`pnpm render\` and commit):\n${stale.map((s) => `  ${s}`).join('\n')}`,
    )
    return EXIT.failed
  }
  if (values.check) console.log(`${Object.keys(repo.plans).length} Dockerfiles up to date`)
  return EXIT.ok
})

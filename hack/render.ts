// pnpm render [--check]: write each image's Dockerfile from its Plan; --check fails on stale ones.
import { main, parse, repoRoot } from '../lib/cli.ts'
import { EXIT } from '../lib/errors.ts'
import { renderAll } from '../lib/render-all.ts'
import { openRepo } from '../lib/repo.ts'

const USAGE = 'usage: pnpm render [--check]'

main(async (argv) => {
  const { values } = parse(argv, { check: { type: 'boolean' } }, USAGE)
  if (values.help) return void console.log(USAGE)
  const repo = await openRepo(repoRoot())
  const { written, stale } = await renderAll(repo, { check: values.check ?? false })
  for (const w of written) console.log(`rendered ${w}`)
  if (values.check && stale.length) {
    console.error(
      `stale generated files (run \`pnpm render\` and commit):\n${stale.map((s) => `  ${s}`).join('\n')}`,
    )
    return EXIT.failed
  }
  if (values.check) console.log(`${Object.keys(repo.plans).length} Dockerfiles up to date`)
  return EXIT.ok
})

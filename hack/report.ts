// pnpm report [--out DIR]: write build/report/index.html, one static page with the image graph and each
// image's pins, sizes, reproducibility, tests, SBOM and audit. Works with nothing built ("not built").
import { main, parse, repoRoot } from '../lib/cli.ts'
import { EXIT } from '../lib/errors.ts'
import { openRepo } from '../lib/repo.ts'
import { writeReport } from '../lib/report.ts'

const USAGE = `usage: pnpm report [options]
  --out DIR           write DIR/index.html (default: <buildDir>/report)
  --no-uncompressed   do not gunzip layers to count uncompressed sizes
  --debug             show stacks on errors`

main(async (argv) => {
  const { values } = parse(argv, { out: { type: 'string' }, 'no-uncompressed': { type: 'boolean' } }, USAGE)
  if (values.help) return void console.log(USAGE)
  const repo = await openRepo(repoRoot(), { skipPolicy: true })
  const { path, data } = await writeReport(repo, {
    now: Math.floor(Date.now() / 1000),
    ...(values.out ? { outDir: values.out } : {}),
    uncompressed: !values['no-uncompressed'],
  })
  const built = data.images.filter((r) => r.built).length
  console.log(`wrote ${path} (${data.images.length} images, ${built} built)`)
  return EXIT.ok
})

// pnpm prometheus-config [--out file]
// Writes the Prometheus scrape config for every image declaring runtime.metrics (lib/prometheus.ts).
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { main, parse, repoRoot } from '../lib/cli.ts'
import { EXIT } from '../lib/errors.ts'
import { scrapeConfig } from '../lib/prometheus.ts'
import { openRepo } from '../lib/repo.ts'

const USAGE = `usage: pnpm prometheus-config [--out file]
  --out file   where to write it (default build/prometheus.yml; - for stdout)`

main(async (argv) => {
  const { values } = parse(argv, { out: { type: 'string' } }, USAGE)
  if (values.help) return void console.log(USAGE)
  const root = repoRoot()
  const repo = await openRepo(root, { skipPolicy: true })
  const text = scrapeConfig(repo.plans)
  const out = values.out ?? 'build/prometheus.yml'
  if (out === '-') {
    process.stdout.write(text)
    return EXIT.ok
  }
  const file = resolve(root, out)
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, text)
  const jobs = Object.values(repo.plans).filter(
    (p) => p.plan.kind !== 'base' && p.plan.runtime.metrics,
  ).length
  console.log(`wrote ${out}: ${jobs} scrape job(s)`)
  return EXIT.ok
})

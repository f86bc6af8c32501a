// pnpm audit [image...] [--max-age-days N] [--json]
// Lists Debian packages in the locks that the security suite has newer versions of, pins published
// longer ago than config refresh.maxAgeDays, and deprecated images. Exit 1 when anything is listed.
import { main, parse, repoRoot } from '../lib/cli.ts'
import { EXIT, UsageError } from '../lib/errors.ts'
import { formatFinding, runAudit } from '../lib/refresh/audit.ts'

const USAGE = `usage: pnpm audit [image...] [options]
  --max-age-days N   flag pins published more than N days ago (default: config refresh.maxAgeDays)
  --json             print the findings as JSON`

main(async (argv) => {
  const { values, positionals } = parse(
    argv,
    { 'max-age-days': { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  )
  if (values.help) return void console.log(USAGE)
  const maxAge = values['max-age-days']
  if (maxAge !== undefined && !/^\d+$/.test(maxAge))
    throw new UsageError('--max-age-days takes a whole number', USAGE)
  const findings = await runAudit(repoRoot(), {
    images: positionals,
    ...(maxAge !== undefined ? { maxAgeDays: Number(maxAge) } : {}),
  })
  if (values.json) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`)
  else {
    for (const kind of ['security', 'stale', 'deprecated'] as const) {
      const list = findings.filter((f) => f.kind === kind)
      if (!list.length) continue
      console.log(
        { security: 'security updates available:', stale: 'old pins:', deprecated: 'deprecated images:' }[
          kind
        ],
      )
      for (const f of list) console.log(`  ${formatFinding(f)}`)
    }
    if (!findings.length) console.log('nothing to report')
  }
  return findings.length ? EXIT.failed : EXIT.ok
})

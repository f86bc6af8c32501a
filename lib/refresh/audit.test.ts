// pnpm audit against the real Debian security suite, on a temp repository whose lock pins an old version.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { binaryIndexes } from '../debian/index.ts'
import { serializeLock } from '../lock.ts'
import { formatFinding, runAudit, securitySuite } from './audit.ts'
import { testConfig } from './testing.ts'

const MAIN = join(import.meta.dirname, '../..')

describe('audit', () => {
  it('names the security suite of a locked suite', () => {
    expect(securitySuite('bookworm')).toBe('bookworm-security')
    expect(securitySuite('bookworm-updates')).toBe('bookworm-security')
  })

  it('lists packages with newer security versions, old pins and deprecated images', async () => {
    const root = mkdtempSync(join(tmpdir(), 'atelier-audit-'))
    mkdirSync(join(root, 'config'))
    cpSync(join(MAIN, 'config/defaults.cue'), join(root, 'config/defaults.cue'))
    // Whatever bookworm-security carries today: lock an older version of its first package.
    const [sec] = await binaryIndexes(testConfig(), 'bookworm-security', 'amd64', { root })
    const [name, entries] = [...sec!.entries][0]!
    const now = 1_800_000_000
    mkdirSync(join(root, 'images/old'), { recursive: true })
    writeFileSync(
      join(root, 'images/old/recipe.ts'),
      `export default { name: 'old', version: '1', description: 'x', deprecated: 'use new instead',
  pins: { pkg: { kind: 'debian-package', name: '${name}' } }, stages: [], rootfs: 'pkg', runtime: { entrypoint: [] } }\n`,
    )
    writeFileSync(
      join(root, 'images/old/lock.json'),
      serializeLock({
        image: 'old',
        pins: {
          pkg: {
            kind: 'debian-package',
            name,
            arch: entries[0]!.arch === 'all' ? 'amd64' : entries[0]!.arch,
            suite: 'bookworm',
            version: '0.0.1-1',
            date: now - 400 * 86400,
            files: [],
          },
        },
      }),
    )
    const findings = await runAudit(root, { now })
    expect(findings.map((f) => f.kind).sort()).toEqual(['deprecated', 'security', 'stale'])
    const s = findings.find((f) => f.kind === 'security')!
    expect(s).toMatchObject({
      image: 'old',
      pin: 'pkg',
      package: name,
      locked: '0.0.1-1',
      suite: 'bookworm-security',
    })
    expect(formatFinding(s)).toContain(`${name} 0.0.1-1 -> `)
    expect(findings.find((f) => f.kind === 'stale')).toMatchObject({ ageDays: 400 })
    // A younger limit than the pin's age is not flagged when raised.
    expect((await runAudit(root, { now, maxAgeDays: 500 })).some((f) => f.kind === 'stale')).toBe(false)
  })
})

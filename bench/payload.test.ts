import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { regularFileBytes } from './payload.ts'

const dir = mkdtempSync(join(tmpdir(), 'bench-payload-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('regularFileBytes', () => {
  it('sums regular files only, across long names, in plain and gzip tars', async () => {
    const root = join(dir, 'root')
    mkdirSync(join(root, 'usr/bin'), { recursive: true })
    writeFileSync(join(root, 'usr/bin/app'), Buffer.alloc(70_000, 1))
    writeFileSync(join(root, `${'n'.repeat(150)}.conf`), 'x'.repeat(513))
    writeFileSync(join(root, 'empty'), '')
    symlinkSync('usr/bin/app', join(root, 'link'))
    // GNU tar from the host: an independent writer, with a GNU long-name record for the 150-char name.
    execFileSync('tar', ['-cf', join(dir, 'l.tar'), '-C', root, '.'])
    execFileSync('sh', ['-c', `gzip -c ${join(dir, 'l.tar')} > ${join(dir, 'l.tar.gz')}`])
    const want = { files: 3, bytes: 70_513 }
    expect(await regularFileBytes(join(dir, 'l.tar'), { gzip: false })).toEqual(want)
    expect(await regularFileBytes(join(dir, 'l.tar.gz'), { gzip: true })).toEqual(want)
  })
})

import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { assertHardened, binaryHardening } from './hardening.ts'

const dir = mkdtempSync(join(tmpdir(), 'hardening-test-'))
const src = join(dir, 'x.c')
writeFileSync(
  src,
  '#include <stdio.h>\n#include <string.h>\nint main(int c, char **v) { char b[64]; strcpy(b, v[0]); printf("%s\\n", b); return 0; }\n',
)
const cc = (out: string, flags: string[]): string => {
  execFileSync('gcc', ['-O2', ...flags, '-o', join(dir, out), src])
  return join(dir, out)
}

describe('binary hardening', () => {
  it('sees every flag on a hardened build', async () => {
    const bin = cc('hard', [
      '-fstack-protector-strong',
      '-D_FORTIFY_SOURCE=2',
      '-fPIE',
      '-pie',
      '-Wl,-z,relro',
      '-Wl,-z,now',
    ])
    const h = await binaryHardening(bin)
    expect(h).toEqual({ pie: true, relro: true, bindNow: true, stackProtector: true, fortify: true })
    expect(() => assertHardened(bin, h)).not.toThrow()
  })

  it('names what a plain build lacks', async () => {
    const bin = cc('soft', [
      '-fno-stack-protector',
      '-U_FORTIFY_SOURCE',
      '-no-pie',
      '-Wl,-z,norelro',
      '-Wl,-z,lazy',
    ])
    const h = await binaryHardening(bin)
    expect(h.pie).toBe(false)
    expect(h.relro).toBe(false)
    expect(h.bindNow).toBe(false)
    expect(h.stackProtector).toBe(false)
    expect(() => assertHardened(bin, h)).toThrow(
      /lacks hardening: pie, relro, bindNow, stackProtector, fortify/,
    )
  })
})

// Hardening flags of a compiled ELF binary, read with binutils' readelf (what Debian's
// hardening-check looks at): PIE, full RELRO (GNU_RELRO + BIND_NOW), stack protector, FORTIFY_SOURCE.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exec } from './exec.ts'

export interface Hardening {
  pie: boolean
  relro: boolean
  bindNow: boolean
  stackProtector: boolean
  fortify: boolean
}

/** Parse `readelf -lW` (program headers + type) and `readelf -dW` / `--dyn-syms -W` output. */
export function hardeningOf(headers: string, dynamic: string, symbols: string): Hardening {
  return {
    pie: /Elf file type is DYN/.test(headers),
    relro: /\bGNU_RELRO\b/.test(headers),
    bindNow: /\(BIND_NOW\)|\(FLAGS\)[^\n]*\bBIND_NOW\b|\(FLAGS_1\)[^\n]*\bNOW\b/.test(dynamic),
    stackProtector: /\b__stack_chk_fail\b/.test(symbols),
    fortify: /\b__\w+_chk\b/.test(symbols.replace(/__stack_chk_fail/g, '')),
  }
}

export async function binaryHardening(path: string): Promise<Hardening> {
  const [headers, dynamic, symbols] = await Promise.all([
    exec(['readelf', '-lW', path]),
    exec(['readelf', '-dW', path]),
    exec(['readelf', '--dyn-syms', '-W', path]),
  ])
  return hardeningOf(headers, dynamic, symbols)
}

/** Copy a binary out of an image (no shell needed) and read its hardening flags. */
export async function imageBinaryHardening(docker: string, ref: string, path: string): Promise<Hardening> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-hardening-'))
  const name = `atelier-hardening-${process.pid}-${Date.now()}`
  try {
    await exec([docker, 'create', '--name', name, ref])
    await exec([docker, 'cp', `${name}:${path}`, join(dir, 'bin')])
    return await binaryHardening(join(dir, 'bin'))
  } finally {
    await exec([docker, 'rm', '-f', name]).catch(() => '')
    await rm(dir, { recursive: true, force: true })
  }
}

/** Throws naming every missing flag. */
export function assertHardened(path: string, h: Hardening): void {
  const missing = (Object.entries(h) as [keyof Hardening, boolean][]).filter(([, v]) => !v).map(([k]) => k)
  if (missing.length) throw new Error(`${path} lacks hardening: ${missing.join(', ')}`)
}

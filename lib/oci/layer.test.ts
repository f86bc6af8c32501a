// The layer normaliser: same content in any order and with any mtimes gives the same digest, and the
// written tar keeps what matters (owners, modes, links) while dropping what does not (times, names, devices).
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGunzip, gzipSync } from 'node:zlib'
import tar from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blobPath, layerFromTar } from './layer.ts'
import { writeTar } from './regen-golden.ts'

type H = Partial<tar.Header> & { name: string; body?: string }

async function listTar(gzPath: string): Promise<(tar.Header & { body: string })[]> {
  const out: (tar.Header & { body: string })[] = []
  const extract = tar.extract()
  const done = (async () => {
    for await (const s of extract) {
      let body = ''
      for await (const c of s) body += Buffer.from(c as Uint8Array).toString()
      out.push({ ...s.header, body })
    }
  })()
  await Promise.all([pipeline(createReadStream(gzPath), createGunzip(), extract), done])
  return out
}

const fixture = (mtime: number): H[] => [
  { name: './', type: 'directory', mode: 0o755, mtime: new Date(mtime * 1000) },
  { name: './usr/', type: 'directory', mode: 0o755, mtime: new Date(mtime * 1000), uname: 'root' },
  { name: './usr/bin/', type: 'directory', mode: 0o755, mtime: new Date(mtime * 1000) },
  {
    name: './usr/bin/app',
    mode: 0o4755,
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
    mtime: new Date(mtime * 1000),
    body: 'binary',
  },
  // A hard link whose name sorts before its target: the packer must swap them.
  {
    name: './usr/bin/aa',
    type: 'link',
    linkname: './usr/bin/app',
    mode: 0o4755,
    mtime: new Date(mtime * 1000),
  },
  { name: './usr/bin/sh', type: 'symlink', linkname: 'app', mode: 0o777, mtime: new Date(mtime * 1000) },
  { name: './tmp/', type: 'directory', mode: 0o1777, mtime: new Date(mtime * 1000) },
  {
    name: './data/',
    type: 'directory',
    mode: 0o750,
    uid: 65532,
    gid: 65532,
    uname: 'app',
    mtime: new Date(mtime * 1000),
  },
  {
    name: './data/conf',
    mode: 0o640,
    uid: 65532,
    gid: 65532,
    uname: 'app',
    gname: 'app',
    mtime: new Date(mtime * 1000),
    body: 'x=1\n',
  },
  { name: './dev/', type: 'directory', mode: 0o755, mtime: new Date(mtime * 1000) },
  { name: './dev/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3 },
  { name: `./${'d'.repeat(90)}/${'f'.repeat(90)}`, mode: 0o644, mtime: new Date(mtime * 1000), body: 'long' },
]

describe('layerFromTar', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-layer-test-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('gives identical digests for shuffled entries with different mtimes', async () => {
    const a = join(dir, 'a.tar')
    const b = join(dir, 'b.tar')
    await writeTar(a, fixture(1_750_000_000))
    // Reverse order, then parents first again (a stable sort by depth): a different, still valid tar.
    const depth = (h: H) => h.name.split('/').filter(Boolean).length
    await writeTar(
      b,
      [...fixture(1_760_000_123)].reverse().sort((x, y) => depth(x) - depth(y)),
    )
    expect(await readFile(a)).not.toEqual(await readFile(b))
    const la = await layerFromTar(a, join(dir, 'blobs'), { epoch: 1_700_000_000 })
    const lb = await layerFromTar(b, join(dir, 'blobs2'), { epoch: 1_700_000_000 })
    expect(lb).toEqual(la)
    expect(la.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const blob = await readFile(blobPath(join(dir, 'blobs', '..'), la.digest))
    expect(`sha256:${createHash('sha256').update(blob).digest('hex')}`).toBe(la.digest)
    expect(blob.byteLength).toBe(la.size)
    // A different epoch is a different layer.
    const lc = await layerFromTar(a, join(dir, 'blobs3'), { epoch: 1_700_000_001 })
    expect(lc.digest).not.toBe(la.digest)
  })

  it('writes a normalised tar', async () => {
    const src = join(dir, 'n.tar')
    await writeTar(src, fixture(1_750_000_000))
    const l = await layerFromTar(src, join(dir, 'nblobs'), { epoch: 1_700_000_000 })
    const entries = await listTar(join(dir, 'nblobs', 'sha256', l.digest.slice(7)))
    const names = entries.map((e) => e.name)
    expect(names).toEqual([
      'data/',
      'data/conf',
      `${'d'.repeat(90)}/${'f'.repeat(90)}`,
      'dev/',
      'tmp/',
      'usr/',
      'usr/bin/',
      'usr/bin/aa',
      'usr/bin/app',
      'usr/bin/sh',
    ])
    expect(names).not.toContain('dev/null')
    for (const e of entries) {
      expect(e.mtime.getTime()).toBe(1_700_000_000_000)
      expect(e.uname).toBe('')
      expect(e.gname).toBe('')
      expect(e.pax).toBeFalsy()
    }
    const by = Object.fromEntries(entries.map((e) => [e.name, e]))
    expect(by['data/']).toMatchObject({ uid: 65532, gid: 65532, mode: 0o750, type: 'directory' })
    expect(by['data/conf']).toMatchObject({ uid: 65532, mode: 0o640, body: 'x=1\n' })
    expect(by['tmp/']!.mode).toBe(0o1777)
    // The first name of the link group carries the bytes (and setuid); the original target links to it.
    expect(by['usr/bin/aa']).toMatchObject({ type: 'file', mode: 0o4755, body: 'binary' })
    expect(by['usr/bin/app']).toMatchObject({ type: 'link', linkname: 'usr/bin/aa' })
    expect(by['usr/bin/sh']).toMatchObject({ type: 'symlink', linkname: 'app' })
  })

  it('reads gzip input and keeps older mtimes with clamp', async () => {
    const src = join(dir, 'c.tar')
    await writeTar(src, [
      { name: 'old', mtime: new Date(1_000_000_000_000), body: 'o' },
      { name: 'new', mtime: new Date(1_800_000_000_000), body: 'n' },
    ])
    await writeFile(`${src}.gz`, gzipSync(await readFile(src)))
    const plain = await layerFromTar(src, join(dir, 'cblobs'), { epoch: 1_700_000_000, clamp: true })
    const gz = await layerFromTar(`${src}.gz`, join(dir, 'cblobs'), { epoch: 1_700_000_000, clamp: true })
    expect(gz).toEqual(plain)
    const entries = await listTar(join(dir, 'cblobs', 'sha256', plain.digest.slice(7)))
    expect(entries.map((e) => [e.name, e.mtime.getTime() / 1000])).toEqual([
      ['new', 1_700_000_000],
      ['old', 1_000_000_000],
    ])
  })

  it('fails clearly on something that is not a tar', async () => {
    const src = join(dir, 'bad.tar')
    await writeFile(src, 'not a tar at all'.repeat(64))
    await expect(layerFromTar(src, join(dir, 'bblobs'), { epoch: 0 })).rejects.toMatchObject({
      code: 'E_LAYER',
    })
  })
})

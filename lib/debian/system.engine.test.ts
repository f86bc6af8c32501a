// mmdebstrap for real: lock a minbase bookworm system, build it twice (same bytes, clean for a
// container), and refuse a lock the mirror no longer serves. Three mmdebstrap runs at most.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { extract } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LockError } from '../errors.ts'
import type { LockedDebianSystem } from '../pin.ts'
import { Store } from '../store.ts'
import { buildDebianSystem, lockDebianSystem } from './system.ts'

const config = {
  debian: {
    mirror: 'http://deb.debian.org/debian',
    securityMirror: 'http://deb.debian.org/debian-security',
    suite: 'bookworm',
    components: ['main'],
  },
  platforms: ['linux/amd64'],
}
const root = join(import.meta.dirname, '../..')

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const c of createReadStream(path)) h.update(c as Buffer)
  return h.digest('hex')
}

/** Entry name -> size of a tarball. */
async function listing(path: string): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const ex = extract()
  createReadStream(path).pipe(ex)
  for await (const e of ex) {
    out.set(e.header.name.replace(/^\.\//, ''), e.header.size ?? 0)
    e.resume()
  }
  return out
}

describe('Debian systems with mmdebstrap', () => {
  let dir = ''
  let store: Store
  let pin: LockedDebianSystem
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-system-'))
    store = new Store(join(dir, 'store'), { config })
    pin = await lockDebianSystem(config, { variant: 'minbase' }, { root, store })
  })
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('locks every package of a minbase system by sha256, dated by its newest suite', () => {
    expect(pin).toMatchObject({
      kind: 'debian-system',
      suite: 'bookworm',
      variant: 'minbase',
      include: [],
      files: [],
    })
    expect(pin.version).toMatch(/^\d{8}$/)
    expect(pin.version).toBe(new Date(pin.date * 1000).toISOString().slice(0, 10).replace(/-/g, ''))
    const names = pin.packages.map((p) => p.name)
    expect(names).toEqual([...names].sort())
    for (const n of ['apt', 'base-files', 'bash', 'dpkg', 'libc6']) expect(names).toContain(n)
    for (const p of pin.packages) {
      expect(p.sha256).toMatch(/^[0-9a-f]{64}$/)
      expect(p.url).toMatch(/^debian(-security)?:pool\/.+\.deb$/)
    }
  })

  it('builds the same bytes twice, with a root clean for a container', async () => {
    const a = join(dir, 'a.tar')
    const b = join(dir, 'b.tar')
    await buildDebianSystem(config, pin, a, { epoch: pin.date, root, store })
    await buildDebianSystem(config, pin, b, { epoch: pin.date, root, store })
    expect(await sha256(a)).toBe(await sha256(b))
    const files = await listing(a)
    expect(files.get('etc/machine-id')).toBe(0)
    expect(files.has('etc/hostname')).toBe(false)
    expect(files.has('etc/resolv.conf')).toBe(false)
    expect(files.has('etc/apt/preferences.d/atelier-lock.pref')).toBe(false)
    expect([...files.keys()].filter((f) => /^var\/cache\/apt\/.*\.(bin|deb)$/.test(f))).toEqual([])
    expect([...files.keys()].filter((f) => /^var\/lib\/apt\/lists\/.+_/.test(f))).toEqual([])
    expect(files.has('usr/bin/bash')).toBe(true)
  })

  it('stops with a LockError naming pnpm refresh when the mirror no longer serves a locked version', async () => {
    const stale: LockedDebianSystem = {
      ...pin,
      packages: pin.packages.map((p) => (p.name === 'bash' ? { ...p, version: '99:0-atelier' } : p)),
    }
    const out = join(dir, 'stale.tar')
    const err = await buildDebianSystem(config, stale, out, { epoch: pin.date, root, store }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(LockError)
    expect((err as LockError).message).toMatch(/bash 99:0-atelier \(amd64\) is no longer served/)
    expect((err as LockError).hint).toMatch(/pnpm refresh debian/)
    await expect(sha256(out)).rejects.toThrow(/ENOENT/)
  })
})

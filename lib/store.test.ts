// The store against a 127.0.0.1 fixture server: verified fetch, tampering, resume with Range, concurrency.
import { createHash } from 'node:crypto'
import { realpathSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { resolveUrl } from './debian/mirror.ts'
import { HashMismatchError } from './errors.ts'
import { Store } from './store.ts'

const BODY = Buffer.alloc(256 * 1024)
for (let i = 0; i < BODY.length; i++) BODY[i] = (i * 7 + (i >> 8)) & 0xff
const SHA = createHash('sha256').update(BODY).digest('hex')

interface Seen {
  path: string
  range: string | undefined
}
let server: Server
let base: string
let seen: Seen[] = []
/** Per-path behaviour of the fixture server. */
let dropAfter: number | undefined
let stallAfter: number | undefined
let slowMs = 0

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/'
  const range = req.headers.range
  seen.push({ path, range })
  if (path === '/missing') {
    res.writeHead(404).end('no')
    return
  }
  const body = path === '/tampered' ? Buffer.concat([BODY.subarray(0, 1000), Buffer.from('x')]) : BODY
  const norange = path === '/norange'
  let start = 0
  const m = range && !norange ? /^bytes=(\d+)-$/.exec(range) : null
  if (m) {
    start = Number(m[1])
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end()
      return
    }
    res.writeHead(206, {
      'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      'content-length': body.length - start,
    })
  } else {
    res.writeHead(200, { 'content-length': body.length, 'accept-ranges': norange ? 'none' : 'bytes' })
  }
  const rest = body.subarray(start)
  if (dropAfter !== undefined && start === 0) {
    // Send a prefix, then cut the connection: the client sees a truncated body.
    res.write(rest.subarray(0, dropAfter), () => setTimeout(() => res.socket?.destroy(), 20))
    return
  }
  if (stallAfter !== undefined && start === 0) {
    res.write(rest.subarray(0, stallAfter))
    return // never ends; the client aborts
  }
  if (slowMs) setTimeout(() => res.end(rest), slowMs)
  else res.end(rest)
}

let dir: string
beforeAll(async () => {
  server = createServer(handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-store-'))
  seen = []
  dropAfter = undefined
  stallAfter = undefined
  slowMs = 0
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('Store', () => {
  it('fetches, verifies and stores under sha256/<hex>; a second fetch does not download', async () => {
    const store = new Store(dir)
    expect(await store.has(SHA)).toBe(false)
    const p = await store.fetch(`${base}/good`, SHA)
    expect(p).toBe(join(dir, 'sha256', SHA))
    expect(Buffer.compare(await readFile(p), BODY)).toBe(0)
    expect(await store.has(SHA)).toBe(true)
    expect(await store.verify(SHA)).toBe(true)
    await store.fetch(`${base}/good`, SHA)
    expect(seen).toHaveLength(1)
  })

  it('rejects a tampered download with the URL and both hashes, storing nothing', async () => {
    const store = new Store(dir)
    const err = await store.fetch(`${base}/tampered`, SHA).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HashMismatchError)
    const bad = Buffer.concat([BODY.subarray(0, 1000), Buffer.from('x')])
    const got = createHash('sha256').update(bad).digest('hex')
    expect((err as HashMismatchError).message).toBe(
      `sha256 mismatch for ${base}/tampered\n  expected sha256:${SHA}\n  received sha256:${got}`,
    )
    expect((err as HashMismatchError).code).toBe('E_HASH_MISMATCH')
    expect(await store.has(SHA)).toBe(false)
    expect(await readdir(join(dir, 'partial'))).toEqual([])
  })

  it('detects a corrupted entry on use and fetches it again', async () => {
    const store = new Store(dir)
    const p = await store.fetch(`${base}/good`, SHA)
    await writeFile(p, 'corrupted')
    expect(await store.verify(SHA)).toBe(false)
    await store.fetch(`${base}/good`, SHA)
    expect(seen).toHaveLength(2)
    expect(Buffer.compare(await readFile(p), BODY)).toBe(0)
  })

  it('resumes with a Range request after the server drops the connection', async () => {
    const store = new Store(dir)
    dropAfter = 100_000
    await expect(store.fetch(`${base}/good`, SHA)).rejects.toThrow(/interrupted/)
    const kept = await readFile(join(dir, 'partial', `${SHA}.part`))
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.length).toBeLessThan(BODY.length)
    dropAfter = undefined
    const p = await store.fetch(`${base}/good`, SHA)
    expect(seen.at(-1)?.range).toBe(`bytes=${kept.length}-`)
    expect(Buffer.compare(await readFile(p), BODY)).toBe(0)
    expect(await readdir(join(dir, 'partial'))).toEqual([])
  })

  it('keeps the partial after an abort, and restarts from zero when the server ignores Range', async () => {
    const store = new Store(dir)
    stallAfter = 50_000
    const ac = new AbortController()
    const pending = store.fetch(`${base}/norange`, SHA, { signal: ac.signal })
    setTimeout(() => ac.abort(), 200)
    await expect(pending).rejects.toThrow()
    const kept = await readFile(join(dir, 'partial', `${SHA}.part`))
    expect(kept.length).toBeGreaterThan(0)
    stallAfter = undefined
    const p = await store.fetch(`${base}/norange`, SHA)
    expect(seen.at(-1)?.range).toBe(`bytes=${kept.length}-`)
    expect(Buffer.compare(await readFile(p), BODY)).toBe(0)
  })

  it('lets concurrent fetchers of one hash both succeed with one intact file', async () => {
    slowMs = 100
    const a = new Store(dir)
    // Another "process": the same folder through a symlink, so no in-flight downloads are shared.
    const other = `${dir}-other-process`
    await symlink(dir, other)
    const b = new Store(other)
    const [pa, pa2, pb] = await Promise.all([
      a.fetch(`${base}/good`, SHA),
      a.fetch(`${base}/good`, SHA),
      b.fetch(`${base}/good`, SHA),
    ])
    expect(realpathSync(pa)).toBe(realpathSync(pb))
    expect(pa2).toBe(pa)
    expect(seen).toHaveLength(2) // one per process: within a process, downloads in flight are shared
    expect(await a.verify(SHA)).toBe(true)
    expect(await readdir(join(dir, 'partial'))).toEqual([])
    await rm(other)
  })

  it('shares a download in flight between Stores of one folder in one process', async () => {
    slowMs = 100
    const [pa, pb] = await Promise.all([
      new Store(dir).fetch(`${base}/good`, SHA),
      new Store(dir).fetch(`${base}/good`, SHA),
    ])
    expect(pa).toBe(pb)
    expect(seen).toHaveLength(1)
  })

  it('reports HTTP errors and stores nothing', async () => {
    const store = new Store(dir)
    await expect(store.fetch(`${base}/missing`, SHA)).rejects.toThrow(/HTTP 404/)
    expect(await store.has(SHA)).toBe(false)
  })

  it('puts local files by their sha256', async () => {
    const store = new Store(dir)
    const f = join(dir, 'in.bin')
    await writeFile(f, BODY)
    expect(await store.put(f)).toBe(SHA)
    expect(Buffer.compare(await readFile(store.path(SHA)), BODY)).toBe(0)
  })
})

describe('resolveUrl', () => {
  const config = {
    debian: {
      mirror: 'http://deb.example/debian/',
      securityMirror: 'http://sec.example/debian-security',
      suite: 'bookworm',
      components: ['main'],
    },
  }
  it('resolves mirror-relative URLs and passes absolute ones through', () => {
    expect(resolveUrl('debian:pool/main/r/redis/x.tar.gz', config)).toBe(
      'http://deb.example/debian/pool/main/r/redis/x.tar.gz',
    )
    expect(resolveUrl('debian-security:pool/updates/main/r/redis/x.deb', config)).toBe(
      'http://sec.example/debian-security/pool/updates/main/r/redis/x.deb',
    )
    expect(resolveUrl('https://a.example/f', config)).toBe('https://a.example/f')
    expect(() => resolveUrl('ftp://a.example/f', config)).toThrow(/unsupported URL/)
    expect(() => resolveUrl('debian:pool/x', undefined)).toThrow(/no configuration/)
  })
})

// The client's bearer-token flow, retries and referrers API against fixtures on 127.0.0.1: a fake token
// server and a tiny in-memory registry stub (docker-registry cannot issue tokens without certificates).
import { createHash, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RegistryError } from '../errors.ts'
import { readImage } from '../oci/image.ts'
import { buildGolden } from '../oci/regen-golden.ts'
import { RegistryClient } from './client.ts'

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`

async function body(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return new Uint8Array(Buffer.concat(chunks))
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<Server> {
  const srv = createServer((req, res) => {
    handler(req, res).catch((e) => {
      res.statusCode = 500
      res.end(String(e))
    })
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  return srv
}

const port = (s: Server) => (s.address() as { port: number }).port

/** Token server: basic auth `ci:pw`, tokens that list their scopes. */
function tokenServer(log: string[]) {
  return listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const scopes = url.searchParams.getAll('scope')
    log.push(`${url.searchParams.get('service')} ${scopes.join(' ')}`)
    if (req.headers.authorization !== `Basic ${Buffer.from('ci:pw').toString('base64')}`) {
      res.statusCode = 401
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}')
      return
    }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ token: `tok ${scopes.join(' ')}` }))
  })
}

/** A registry that knows just enough of the distribution spec, and wants bearer tokens. */
function registryStub(realm: string, opts: { failHeads: number; referrersApi: boolean }) {
  const blobs = new Map<string, Uint8Array>()
  const manifests = new Map<string, { type: string; data: Uint8Array }>()
  const uploads = new Map<string, Uint8Array[]>()
  const referrers = new Map<string, object[]>()
  const requests: string[] = []
  let failHeads = opts.failHeads
  const err = (res: ServerResponse, status: number, code: string) => {
    res.statusCode = status
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ errors: [{ code, message: code.toLowerCase().replace(/_/g, ' ') }] }))
  }
  const server = listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const method = req.method ?? 'GET'
    requests.push(`${method} ${url.pathname}`)
    if (url.pathname === '/v2/') return void res.end('{}')
    const m = /^\/v2\/(.+?)\/(blobs\/uploads|blobs|manifests|referrers)\/?(.*)$/.exec(url.pathname)
    if (!m) return err(res, 404, 'NOT_FOUND')
    const [, name, kind, ref] = m as unknown as [string, string, string, string]
    const need = `repository:${name}:${method === 'GET' || method === 'HEAD' ? 'pull' : 'push'}`
    const token = req.headers.authorization?.replace(/^Bearer tok /, '').split(' ') ?? []
    const ok =
      token.some((s) => s === need || (need.endsWith(':pull') && s === `repository:${name}:pull,push`)) ||
      token.includes(need.replace(':push', ':pull,push'))
    if (!ok) {
      res.statusCode = 401
      res.setHeader(
        'www-authenticate',
        `Bearer realm="${realm}",service="stub",scope="repository:${name}:${need.endsWith('push') ? 'pull,push' : 'pull'}"`,
      )
      return err(res, 401, 'UNAUTHORIZED')
    }
    const key = `${name}@${ref}`
    if (kind === 'blobs') {
      if (method === 'HEAD' && failHeads > 0) {
        failHeads--
        return err(res, 503, 'UNAVAILABLE')
      }
      const b = blobs.get(ref)
      if (!b) return err(res, 404, 'BLOB_UNKNOWN')
      res.setHeader('content-length', b.byteLength)
      return void res.end(method === 'HEAD' ? undefined : b)
    }
    if (kind === 'blobs/uploads') {
      if (method === 'POST') {
        const id = randomUUID()
        uploads.set(id, [])
        res.statusCode = 202
        res.setHeader('location', `/v2/${name}/blobs/uploads/${id}`)
        return void res.end()
      }
      const parts = uploads.get(ref)
      if (!parts) return err(res, 404, 'BLOB_UPLOAD_UNKNOWN')
      parts.push(await body(req))
      if (method === 'PATCH') {
        res.statusCode = 202
        res.setHeader('location', `/v2/${name}/blobs/uploads/${ref}`)
        return void res.end()
      }
      const data = new Uint8Array(Buffer.concat(parts))
      if (sha(data) !== url.searchParams.get('digest')) return err(res, 400, 'DIGEST_INVALID')
      blobs.set(sha(data), data)
      res.statusCode = 201
      return void res.end()
    }
    if (kind === 'referrers') {
      if (!opts.referrersApi) return err(res, 404, 'NOT_FOUND')
      res.setHeader('content-type', 'application/vnd.oci.image.index.v1+json')
      return void res.end(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: referrers.get(ref) ?? [],
        }),
      )
    }
    // manifests
    if (method === 'PUT') {
      const data = await body(req)
      const doc = JSON.parse(Buffer.from(data).toString()) as {
        config?: { digest: string }
        layers?: { digest: string }[]
        subject?: { digest: string }
        artifactType?: string
      }
      for (const d of [doc.config, ...(doc.layers ?? [])])
        if (d && !blobs.has(d.digest)) return err(res, 400, 'MANIFEST_BLOB_UNKNOWN')
      const entry = { type: String(req.headers['content-type']), data }
      manifests.set(key, entry)
      manifests.set(`${name}@${sha(data)}`, entry)
      if (doc.subject && opts.referrersApi) {
        const list = referrers.get(doc.subject.digest) ?? []
        list.push({
          mediaType: entry.type,
          digest: sha(data),
          size: data.byteLength,
          artifactType: doc.artifactType,
        })
        referrers.set(doc.subject.digest, list)
        res.setHeader('oci-subject', doc.subject.digest)
      }
      res.statusCode = 201
      res.setHeader('docker-content-digest', sha(data))
      return void res.end()
    }
    const found = manifests.get(key)
    if (!found) return err(res, 404, 'MANIFEST_UNKNOWN')
    res.setHeader('content-type', found.type)
    res.setHeader('docker-content-digest', sha(found.data))
    res.setHeader('content-length', found.data.byteLength)
    res.end(method === 'HEAD' ? undefined : found.data)
  })
  return { server, requests, manifests }
}

describe('RegistryClient with bearer tokens (fixture token server + registry stub)', () => {
  let dir: string
  let tokens: Server
  const tokenLog: string[] = []
  const servers: Server[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-bearer-test-'))
    await buildGolden(dir)
    tokens = await tokenServer(tokenLog)
    servers.push(tokens)
  })
  afterAll(async () => {
    for (const s of servers) s.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function stub(opts: { failHeads?: number; referrersApi?: boolean } = {}) {
    const s = registryStub(`http://127.0.0.1:${port(tokens)}/token`, {
      failHeads: opts.failHeads ?? 0,
      referrersApi: opts.referrersApi ?? false,
    })
    const server = await s.server
    servers.push(server)
    const reg = { host: `127.0.0.1:${port(server)}`, namespace: '', insecure: true, bootstrap: false }
    return { ...s, reg }
  }

  it('gets a token per scope once, with basic credentials, and pushes', async () => {
    const s = await stub()
    tokenLog.length = 0
    const client = new RegistryClient(s.reg, {
      credentials: { username: 'ci', password: 'pw' },
      baseDelayMs: 1,
    })
    const res = await client.pushImage(join(dir, 'app'), 'atelier/app', ['1.2.3'])
    expect(res.uploaded).toBe(3)
    // First request is challenged; then one token for pull (HEAD) and one for pull,push, reused after.
    expect(tokenLog).toEqual(['stub repository:atelier/app:pull', 'stub repository:atelier/app:pull,push'])
    expect(s.requests.filter((r) => r.startsWith('HEAD')).length).toBeGreaterThan(3)
    expect(s.manifests.has('atelier/app@1.2.3')).toBe(true)
    // A second push reuses the cached tokens: no new token requests.
    await client.pushImage(join(dir, 'app'), 'atelier/app', ['1.2.3', 'again'])
    expect(tokenLog).toHaveLength(2)
  })

  it('turns a refused token request into a RegistryError with the credentials hint', async () => {
    const s = await stub()
    const client = new RegistryClient(
      { ...s.reg, usernameEnv: 'REG_USER', passwordEnv: 'REG_PASS' },
      { env: { REG_USER: 'ci', REG_PASS: 'nope' }, baseDelayMs: 1 },
    )
    const err = (await client
      .hasBlob('atelier/app', `sha256:${'0'.repeat(64)}`)
      .catch((e: unknown) => e)) as RegistryError
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.status).toBe(401)
    expect(err.message).toContain('bad credentials')
    expect(err.hint).toContain('REG_USER/REG_PASS')
  })

  it('retries 5xx answers with backoff, then gives up with a clear error', async () => {
    const s = await stub({ failHeads: 2 })
    const client = new RegistryClient(s.reg, {
      credentials: { username: 'ci', password: 'pw' },
      baseDelayMs: 1,
    })
    expect(await client.hasBlob('atelier/app', `sha256:${'0'.repeat(64)}`)).toBe(false)
    const s2 = await stub({ failHeads: 100 })
    const c2 = new RegistryClient(s2.reg, {
      credentials: { username: 'ci', password: 'pw' },
      retries: 2,
      baseDelayMs: 1,
    })
    const err = (await c2
      .hasBlob('atelier/app', `sha256:${'0'.repeat(64)}`)
      .catch((e: unknown) => e)) as RegistryError
    expect(err.status).toBe(503)
    expect(err.hint).toMatch(/failed after 3 attempts/)
    expect(s2.requests.filter((r) => r.startsWith('HEAD')).length).toBe(3 + 1) // 1 challenged + 3 attempts
  })

  it('uses the referrers API when the registry has one (no fallback tag)', async () => {
    const s = await stub({ referrersApi: true })
    const client = new RegistryClient(s.reg, {
      credentials: { username: 'ci', password: 'pw' },
      baseDelayMs: 1,
    })
    const { digest } = await client.pushImage(join(dir, 'app'), 'atelier/app', ['1'])
    const a = await client.pushArtifact('atelier/app', digest, {
      artifactType: 'application/vnd.cyclonedx+json',
      files: [{ mediaType: 'application/vnd.cyclonedx+json', data: new TextEncoder().encode('{}') }],
    })
    expect((await client.referrers('atelier/app', digest)).map((d) => d.digest)).toEqual([a])
    expect([...s.manifests.keys()].some((k) => k.includes('@sha256-'))).toBe(false)
    expect((await readImage(join(dir, 'app'))).manifestDigest).toBe(digest)
  })

  it('speaks https unless the registry is marked insecure', () => {
    const reg = { host: 'registry.example:5000', namespace: 'me', insecure: false, bootstrap: false }
    expect(new RegistryClient(reg).base).toBe('https://registry.example:5000')
    expect(new RegistryClient({ ...reg, insecure: true }).base).toBe('http://registry.example:5000')
  })
})

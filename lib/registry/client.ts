// A small OCI distribution client on built-in fetch (no maintained npm client pushes images): missing
// blobs only (mount, monolithic or chunked upload), manifest last, basic and bearer auth, retries, referrers.
import { open, readFile } from 'node:fs/promises'
import { canonicalJson, sha256hex } from '../canonical.ts'
import type { RegistryConfig } from '../config.ts'
import { RegistryError } from '../errors.ts'
import { type Descriptor, INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, readImage } from '../oci/image.ts'
import { blobPath } from '../oci/layer.ts'

export const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json'
const EMPTY_JSON = new TextEncoder().encode('{}')

/** What we accept when reading manifests: OCI and Docker, single and multi-platform. */
const MANIFEST_ACCEPT = [
  MANIFEST_MEDIA_TYPE,
  INDEX_MEDIA_TYPE,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ')

export interface RegistryClientOptions {
  /** Replaces global fetch (tests count or break requests with it). */
  fetch?: typeof fetch
  /** Attempts after the first, on 5xx/429 and connection errors. Default 4. */
  retries?: number
  /** First backoff delay; doubles each attempt. Default 250 ms. */
  baseDelayMs?: number
  /** Blobs larger than this are sent in chunks (PATCH) instead of one PUT. Default 64 MiB. */
  chunkThreshold?: number
  /** Chunk size of chunked uploads. Default 16 MiB. */
  chunkSize?: number
  /** Overrides the credentials read from the env vars named by the registry config. */
  credentials?: { username: string; password: string }
  /** Where usernameEnv/passwordEnv are looked up. Default process.env. */
  env?: Record<string, string | undefined>
}

/** A blob to push: a file (read in bounded pieces) or bytes in memory. */
export type BlobSource = { digest: string; size: number } & ({ path: string } | { data: Uint8Array })

export interface PushResult {
  /** Manifest digest. */
  digest: string
  uploaded: number
  skipped: number
  mounted: number
}

export interface Artifact {
  /** e.g. `application/vnd.cyclonedx+json` */
  artifactType: string
  files: { mediaType: string; data: Uint8Array; annotations?: Record<string, string> }[]
  annotations?: Record<string, string>
}

interface Challenge {
  scheme: 'basic' | 'bearer'
  params: Record<string, string>
}

interface SendOptions {
  headers?: Record<string, string>
  body?: Uint8Array
  /** Repository the request touches (for bearer token scopes). */
  repo?: string
  push?: boolean
  /** Extra repository pulled from (cross-repository mount). */
  mountFrom?: string
  /** Retry this very request on 5xx/connection errors (false where a retry must restart more than it). */
  retry?: boolean
}

/** `namespace/image`, or `image` with no namespace. */
export function repoPath(reg: RegistryConfig, image: string): string {
  return reg.namespace ? `${reg.namespace.replace(/\/+$/, '')}/${image}` : image
}

/** The tag of the referrers tag schema: `sha256:abc...` -> `sha256-abc...`. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-').slice(0, 128)
}

function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined
  const m = /^\s*(\w+)\s*(.*)$/.exec(header)
  if (!m) return undefined
  const scheme = m[1]!.toLowerCase()
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined
  const params: Record<string, string> = {}
  for (const p of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!
  return { scheme, params }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** 5xx, 429 and unreachable registries are worth another try; other 4xx are answers. */
function retryable(e: unknown): boolean {
  return e instanceof RegistryError && (e.status === undefined || e.status === 429 || e.status >= 500)
}

export class RegistryClient {
  readonly stats = { requests: 0, uploads: 0, mounts: 0 }
  readonly base: string
  private readonly fetchFn: typeof fetch
  private readonly retries: number
  private readonly baseDelay: number
  private readonly chunkThreshold: number
  private readonly chunkSize: number
  private readonly credentials: { username: string; password: string } | undefined
  /** Set after the first challenge, so later requests authenticate up front. */
  private scheme: Challenge | undefined
  private readonly tokens = new Map<string, string>()

  constructor(
    readonly reg: RegistryConfig,
    opts: RegistryClientOptions = {},
  ) {
    this.base = `${reg.insecure ? 'http' : 'https'}://${reg.host}`
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init))
    this.retries = opts.retries ?? 4
    this.baseDelay = opts.baseDelayMs ?? 250
    this.chunkThreshold = opts.chunkThreshold ?? 64 * 2 ** 20
    this.chunkSize = opts.chunkSize ?? 16 * 2 ** 20
    const env = opts.env ?? process.env
    const user = reg.usernameEnv ? env[reg.usernameEnv] : undefined
    const pass = reg.passwordEnv ? env[reg.passwordEnv] : undefined
    this.credentials =
      opts.credentials ?? (user && pass !== undefined ? { username: user, password: pass } : undefined)
  }

  // ---- transport -------------------------------------------------------------------------------

  private credentialsHint(): string {
    const u = this.reg.usernameEnv ?? 'REG_USER'
    const p = this.reg.passwordEnv ?? 'REG_PASS'
    return this.credentials
      ? `the registry refused the credentials from ${u}/${p}: check them`
      : `set ${u}/${p} (and usernameEnv/passwordEnv for ${this.reg.host} in config/site.cue)`
  }

  private basicHeader(): string | undefined {
    if (!this.credentials) return undefined
    const raw = new TextEncoder().encode(`${this.credentials.username}:${this.credentials.password}`)
    return `Basic ${btoa(String.fromCharCode(...raw))}`
  }

  private scopeOf(o: SendOptions): string {
    if (!o.repo) return ''
    const own = `repository:${o.repo}:${o.push ? 'pull,push' : 'pull'}`
    return o.mountFrom ? `${own} repository:${o.mountFrom}:pull` : own
  }

  /** Bearer token flow of the distribution spec: GET realm?service=..&scope=.. (with basic creds if any). */
  private async fetchToken(params: Record<string, string>, scope: string): Promise<string> {
    const realm = params.realm
    if (!realm) throw new RegistryError(`${this.reg.host}: bearer challenge without realm`, 401)
    const url = new URL(realm)
    if (params.service) url.searchParams.set('service', params.service)
    for (const s of (params.scope ?? scope).split(' ').filter(Boolean)) url.searchParams.append('scope', s)
    const basic = this.basicHeader()
    const res = await this.raw('GET', url.href, { headers: basic ? { authorization: basic } : {} }, true)
    if (res.status !== 200) return this.fail(res, 'GET', `token from ${url.origin}${url.pathname}`)
    const body = (await res.json()) as { token?: string; access_token?: string }
    const token = body.token ?? body.access_token
    if (!token) throw new RegistryError(`token server ${url.origin} answered without a token`, res.status)
    return token
  }

  /** One fetch with retries on 5xx/429/connection errors; no auth handling. */
  private async raw(
    method: string,
    url: string,
    init: { headers: Record<string, string>; body?: Uint8Array },
    retry: boolean,
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response
      try {
        this.stats.requests++
        res = await this.fetchFn(url, {
          method,
          headers: init.headers,
          // Our bodies are plain ArrayBuffer-backed views (never shared memory).
          ...(init.body ? { body: init.body as Uint8Array<ArrayBuffer> } : {}),
          redirect: 'follow',
        })
      } catch (e) {
        if (retry && attempt < this.retries) {
          await sleep(this.baseDelay * 2 ** attempt)
          continue
        }
        const cause = (e as { cause?: { code?: string; message?: string } }).cause
        throw Object.assign(
          new RegistryError(
            `cannot reach registry ${this.reg.host} (${method} ${new URL(url).pathname}): ${cause?.code ?? cause?.message ?? (e as Error).message}`,
            undefined,
            'is the registry running? `pnpm registry` starts the local one; check `registries` in config/site.cue',
          ),
          { cause: e },
        )
      }
      if ((res.status >= 500 || res.status === 429) && retry && attempt < this.retries) {
        await res.arrayBuffer().catch(() => undefined)
        await sleep(this.baseDelay * 2 ** attempt)
        continue
      }
      return res
    }
  }

  /** A request to the registry, authenticating as challenged (basic or bearer, tokens cached per scope). */
  private async send(method: string, pathOrUrl: string, o: SendOptions = {}): Promise<Response> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`
    const scope = this.scopeOf(o)
    let refreshed = false
    for (;;) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) }
      const token = this.tokens.get(scope)
      if (token) headers.authorization = `Bearer ${token}`
      else if (this.scheme?.scheme === 'bearer' && !refreshed) {
        // Known bearer registry, new scope: get the token before asking, saving a 401 round trip.
        const t = await this.fetchToken({ ...this.scheme.params, scope }, scope)
        this.tokens.set(scope, t)
        headers.authorization = `Bearer ${t}`
        refreshed = true
      } else if (this.scheme?.scheme === 'basic' && this.credentials)
        headers.authorization = this.basicHeader()!
      const res = await this.raw(
        method,
        url,
        { headers, ...(o.body ? { body: o.body } : {}) },
        o.retry ?? true,
      )
      if (res.status !== 401 || refreshed) return res
      const challenge = parseChallenge(res.headers.get('www-authenticate'))
      if (!challenge) return res
      this.scheme = challenge
      if (challenge.scheme === 'basic' && (!this.credentials || headers.authorization))
        return this.fail(res, method, url)
      await res.arrayBuffer().catch(() => undefined)
      refreshed = true
      if (challenge.scheme === 'basic') continue
      this.tokens.set(scope, await this.fetchToken(challenge.params, scope))
    }
  }

  /** Turns an unexpected answer into a RegistryError carrying the registry's own code and a hint. */
  private async fail(res: Response, method: string, what: string): Promise<never> {
    let code = ''
    let message = ''
    const text = await res.text().catch(() => '')
    try {
      const body = JSON.parse(text) as { errors?: { code?: string; message?: string; detail?: unknown }[] }
      const first = body.errors?.[0]
      code = first?.code ?? ''
      message = [first?.message, first?.detail ? JSON.stringify(first.detail) : ''].filter(Boolean).join(' ')
    } catch {
      message = text.trim().slice(0, 200)
    }
    // HEAD answers carry no body: name the usual code for the status so the message still says it.
    if (!code)
      code =
        ({ 401: 'UNAUTHORIZED', 403: 'DENIED', 429: 'TOOMANYREQUESTS' } as Record<number, string>)[
          res.status
        ] ?? ''
    const where = what.startsWith('http') ? new URL(what).pathname : what
    const hints: Record<string, string> = {
      UNAUTHORIZED: this.credentialsHint(),
      DENIED: `the account has no push/pull rights there: grant them on ${this.reg.host}`,
      NAME_UNKNOWN: `no such repository on ${this.reg.host}: check the namespace in config/site.cue, or push it first`,
      MANIFEST_UNKNOWN: 'no such tag or digest: build and push the image first',
      MANIFEST_BLOB_UNKNOWN:
        'the registry lacks a blob the manifest names: push again (blobs are sent before the manifest)',
      BLOB_UNKNOWN: 'the blob is not in that repository: push the image again',
      DIGEST_INVALID: 'the local blob does not match its digest: pack the image again',
      BLOB_UPLOAD_INVALID: 'the upload was refused: push again; if it persists, lower chunkSize',
      BLOB_UPLOAD_UNKNOWN: 'the upload session expired: push again',
      MANIFEST_INVALID: 'the registry refused the manifest format: check that it supports OCI manifests',
      UNSUPPORTED: 'the registry does not support this operation (read-only, or a pull-through cache?)',
      TOOMANYREQUESTS: 'the registry is rate limiting: wait and push again',
    }
    const hint =
      hints[code] ??
      (res.status === 401
        ? this.credentialsHint()
        : res.status === 403
          ? hints.DENIED
          : res.status === 413
            ? 'the registry refused the request size: lower chunkThreshold/chunkSize'
            : res.status >= 500
              ? `the registry failed after ${this.retries + 1} attempts: check its logs`
              : undefined)
    throw new RegistryError(
      `${this.reg.host}: ${method} ${where}: ${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`,
      res.status,
      hint,
    )
  }

  // ---- reads -----------------------------------------------------------------------------------

  /** True when a distribution registry answers at /v2/ (even if it wants credentials). */
  async ping(): Promise<boolean> {
    try {
      const res = await this.raw('GET', `${this.base}/v2/`, { headers: {} }, false)
      await res.arrayBuffer().catch(() => undefined)
      return res.status === 200 || res.status === 401
    } catch {
      return false
    }
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const res = await this.send('HEAD', `/v2/${repo}/blobs/${digest}`, { repo })
    if (res.status === 200) return true
    if (res.status === 404) return false
    return this.fail(res, 'HEAD', `/v2/${repo}/blobs/${digest}`)
  }

  /** The digest a tag or digest points to, or undefined when absent. */
  async hasManifest(repo: string, reference: string): Promise<string | undefined> {
    const res = await this.send('HEAD', `/v2/${repo}/manifests/${reference}`, {
      repo,
      headers: { accept: MANIFEST_ACCEPT },
    })
    if (res.status === 404) return undefined
    if (res.status !== 200) return this.fail(res, 'HEAD', `/v2/${repo}/manifests/${reference}`)
    return res.headers.get('docker-content-digest') ?? (reference.includes(':') ? reference : undefined)
  }

  async getManifest(
    repo: string,
    ref: string,
  ): Promise<{ digest: string; mediaType: string; body: Uint8Array }> {
    const res = await this.send('GET', `/v2/${repo}/manifests/${ref}`, {
      repo,
      headers: { accept: MANIFEST_ACCEPT },
    })
    if (res.status !== 200) return this.fail(res, 'GET', `/v2/${repo}/manifests/${ref}`)
    const body = new Uint8Array(await res.arrayBuffer())
    const digest = `sha256:${sha256hex(body)}`
    if (ref.startsWith('sha256:') && ref !== digest)
      throw new RegistryError(
        `${this.reg.host}: manifest ${ref} came back as ${digest}`,
        200,
        'the registry is corrupt',
      )
    const mediaType =
      res.headers.get('content-type')?.split(';')[0] ??
      (JSON.parse(new TextDecoder().decode(body)).mediaType as string)
    return { digest, mediaType, body }
  }

  /** A blob's bytes, checked against its digest. */
  async getBlob(repo: string, digest: string): Promise<Uint8Array> {
    const res = await this.send('GET', `/v2/${repo}/blobs/${digest}`, { repo })
    if (res.status !== 200) return this.fail(res, 'GET', `/v2/${repo}/blobs/${digest}`)
    const body = new Uint8Array(await res.arrayBuffer())
    if (`sha256:${sha256hex(body)}` !== digest)
      throw new RegistryError(
        `${this.reg.host}: blob ${digest} came back corrupt`,
        200,
        'the registry storage is corrupt',
      )
    return body
  }

  // ---- writes ----------------------------------------------------------------------------------

  /** PUT a manifest under a tag or digest; returns its digest. */
  async putManifest(repo: string, reference: string, mediaType: string, body: Uint8Array): Promise<string> {
    return (await this.putManifestRaw(repo, reference, mediaType, body)).digest
  }

  private async putManifestRaw(
    repo: string,
    reference: string,
    mediaType: string,
    body: Uint8Array,
  ): Promise<{ digest: string; subject: boolean }> {
    const res = await this.send('PUT', `/v2/${repo}/manifests/${reference}`, {
      repo,
      push: true,
      headers: { 'content-type': mediaType },
      body,
    })
    if (res.status !== 201 && res.status !== 200)
      return this.fail(res, 'PUT', `/v2/${repo}/manifests/${reference}`)
    await res.arrayBuffer().catch(() => undefined)
    return {
      digest: res.headers.get('docker-content-digest') ?? `sha256:${sha256hex(body)}`,
      subject: res.headers.has('oci-subject'),
    }
  }

  /**
   * Makes a blob present in `repo`: skipped when there, mounted from a sibling repository that has it,
   * otherwise uploaded (one PUT up to chunkThreshold, chunked PATCHes above). A failed upload is
   * restarted from scratch with backoff.
   */
  async pushBlob(
    repo: string,
    blob: BlobSource,
    opts: { mountFrom?: string[] } = {},
  ): Promise<'skipped' | 'mounted' | 'uploaded'> {
    if (await this.hasBlob(repo, blob.digest)) return 'skipped'
    let location: string | undefined
    for (const from of opts.mountFrom ?? []) {
      if (from === repo || !(await this.hasBlob(from, blob.digest))) continue
      const path = `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(from)}`
      const res = await this.send('POST', path, { repo, push: true, mountFrom: from })
      await res.arrayBuffer().catch(() => undefined)
      if (res.status === 201) {
        this.stats.mounts++
        return 'mounted'
      }
      // 202: the registry would not mount but opened an upload session: use it.
      if (res.status === 202) {
        location = res.headers.get('location') ?? undefined
        break
      }
      return this.fail(res, 'POST', path)
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.uploadOnce(repo, blob, attempt === 0 ? location : undefined)
        this.stats.uploads++
        return 'uploaded'
      } catch (e) {
        if (!retryable(e) || attempt >= this.retries) throw e
        await sleep(this.baseDelay * 2 ** attempt)
      }
    }
  }

  private async readRange(blob: BlobSource, offset: number, length: number): Promise<Uint8Array> {
    if ('data' in blob) return blob.data.subarray(offset, offset + length)
    const fh = await open(blob.path, 'r')
    try {
      const buf = new Uint8Array(length)
      const { bytesRead } = await fh.read(buf, 0, length, offset)
      if (bytesRead !== length)
        throw new RegistryError(
          `${blob.path} is shorter than its descriptor says`,
          undefined,
          'pack the image again',
        )
      return buf
    } finally {
      await fh.close()
    }
  }

  private async uploadOnce(repo: string, blob: BlobSource, session?: string): Promise<void> {
    let location = session
    if (!location) {
      const path = `/v2/${repo}/blobs/uploads/`
      const res = await this.send('POST', path, { repo, push: true, retry: false })
      await res.arrayBuffer().catch(() => undefined)
      if (res.status !== 202) return this.fail(res, 'POST', path)
      location = res.headers.get('location') ?? undefined
      if (!location) throw new RegistryError(`${this.reg.host}: upload started without a Location`, 202)
    }
    const at = (loc: string, digest?: string) => {
      const u = new URL(loc, this.base)
      if (digest) u.searchParams.set('digest', digest)
      return u.href
    }
    const octets = { 'content-type': 'application/octet-stream' }
    if (blob.size > this.chunkThreshold) {
      for (let offset = 0; offset < blob.size; ) {
        const len = Math.min(this.chunkSize, blob.size - offset)
        const body = await this.readRange(blob, offset, len)
        const res = await this.send('PATCH', at(location), {
          repo,
          push: true,
          retry: false,
          body,
          headers: { ...octets, 'content-range': `${offset}-${offset + len - 1}` },
        })
        await res.arrayBuffer().catch(() => undefined)
        if (res.status !== 202) return this.fail(res, 'PATCH', at(location))
        location = res.headers.get('location') ?? location
        offset += len
      }
      const res = await this.send('PUT', at(location, blob.digest), {
        repo,
        push: true,
        retry: false,
        headers: octets,
      })
      if (res.status !== 201) return this.fail(res, 'PUT', at(location))
      await res.arrayBuffer().catch(() => undefined)
      return
    }
    const body = await this.readRange(blob, 0, blob.size)
    const res = await this.send('PUT', at(location, blob.digest), {
      repo,
      push: true,
      retry: false,
      headers: octets,
      body,
    })
    if (res.status !== 201) return this.fail(res, 'PUT', at(location))
    await res.arrayBuffer().catch(() => undefined)
  }

  /**
   * Pushes the image of an OCI layout: missing blobs (layers, then config), then the manifest by digest,
   * then each tag, so a tag never names a partial image. An image already there costs one HEAD a tag.
   */
  async pushImage(
    layoutDir: string,
    repo: string,
    tags: string[],
    opts: { mountFrom?: string[]; refName?: string } = {},
  ): Promise<PushResult> {
    const image = await readImage(layoutDir, opts.refName)
    const body = await readFile(blobPath(layoutDir, image.manifestDigest))
    const result: PushResult = { digest: image.manifestDigest, uploaded: 0, skipped: 0, mounted: 0 }
    const blobs = new Map<string, number>()
    for (const l of image.layers) blobs.set(l.digest, l.size)
    blobs.set(image.configDigest, image.manifest.config.size)
    // The registry checks every blob before accepting a manifest, so a present manifest means all blobs are.
    if (await this.hasManifest(repo, image.manifestDigest)) result.skipped = blobs.size
    else {
      for (const [digest, size] of blobs) {
        const r = await this.pushBlob(repo, { digest, size, path: blobPath(layoutDir, digest) }, opts)
        result[r]++
      }
      await this.putManifest(repo, image.manifestDigest, image.manifest.mediaType, body)
    }
    for (const tag of tags) {
      if ((await this.hasManifest(repo, tag)) !== image.manifestDigest)
        await this.putManifest(repo, tag, image.manifest.mediaType, body)
    }
    return result
  }

  // ---- artifacts and referrers -----------------------------------------------------------------

  /**
   * Pushes an OCI 1.1 artifact (SBOM, provenance, ...) whose `subject` is the manifest `subjectDigest`,
   * and lists it in the referrers tag (`sha256-<hex>`) when the registry has no referrers API.
   * Returns the artifact manifest's digest.
   */
  async pushArtifact(repo: string, subjectDigest: string, artifact: Artifact): Promise<string> {
    const subject = await this.getManifest(repo, subjectDigest)
    const layers: Descriptor[] = []
    for (const f of artifact.files) {
      const digest = `sha256:${sha256hex(f.data)}`
      await this.pushBlob(repo, { digest, size: f.data.byteLength, data: f.data })
      layers.push({
        mediaType: f.mediaType,
        digest,
        size: f.data.byteLength,
        ...(f.annotations ? { annotations: f.annotations } : {}),
      })
    }
    const emptyDigest = `sha256:${sha256hex(EMPTY_JSON)}`
    await this.pushBlob(repo, { digest: emptyDigest, size: EMPTY_JSON.byteLength, data: EMPTY_JSON })
    const manifest = {
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPE,
      artifactType: artifact.artifactType,
      config: { mediaType: EMPTY_MEDIA_TYPE, digest: emptyDigest, size: EMPTY_JSON.byteLength },
      layers,
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.body.byteLength },
      ...(artifact.annotations ? { annotations: artifact.annotations } : {}),
    }
    const body = new TextEncoder().encode(canonicalJson(manifest))
    const digest = `sha256:${sha256hex(body)}`
    const put = await this.putManifestRaw(repo, digest, MANIFEST_MEDIA_TYPE, body)
    // OCI-Subject in the answer means the registry indexes referrers itself; otherwise keep the tag.
    if (!put.subject)
      await this.addToReferrersTag(repo, subjectDigest, {
        mediaType: MANIFEST_MEDIA_TYPE,
        digest,
        size: body.byteLength,
        artifactType: artifact.artifactType,
        ...(artifact.annotations ? { annotations: artifact.annotations } : {}),
      })
    return digest
  }

  private async readReferrersTag(repo: string, subjectDigest: string): Promise<Descriptor[]> {
    const tag = referrersTag(subjectDigest)
    if (!(await this.hasManifest(repo, tag))) return []
    const index = JSON.parse(new TextDecoder().decode((await this.getManifest(repo, tag)).body)) as {
      manifests?: Descriptor[]
    }
    return index.manifests ?? []
  }

  private async addToReferrersTag(repo: string, subjectDigest: string, desc: Descriptor): Promise<void> {
    const manifests = await this.readReferrersTag(repo, subjectDigest)
    if (manifests.some((m) => m.digest === desc.digest)) return
    manifests.push(desc)
    const index = { schemaVersion: 2, mediaType: INDEX_MEDIA_TYPE, manifests }
    await this.putManifest(
      repo,
      referrersTag(subjectDigest),
      INDEX_MEDIA_TYPE,
      new TextEncoder().encode(canonicalJson(index)),
    )
  }

  /**
   * The artifacts that name `digest` as their subject: the referrers API where the registry has it,
   * the `sha256-<hex>` tag otherwise (Distribution 2.8 answers 404 to the API).
   */
  async referrers(repo: string, digest: string, artifactType?: string): Promise<Descriptor[]> {
    const path = `/v2/${repo}/referrers/${digest}${artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : ''}`
    const res = await this.send('GET', path, { repo, headers: { accept: INDEX_MEDIA_TYPE } })
    let manifests: Descriptor[]
    if (res.status === 200) {
      manifests = ((await res.json()) as { manifests?: Descriptor[] }).manifests ?? []
    } else if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined)
      manifests = await this.readReferrersTag(repo, digest)
    } else return this.fail(res, 'GET', path)
    return artifactType ? manifests.filter((m) => m.artifactType === artifactType) : manifests
  }
}

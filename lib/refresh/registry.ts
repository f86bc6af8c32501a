// Image pins: the manifest digest a registry serves for a tag (HEAD /v2/<repo>/manifests/<tag>), with the
// anonymous bearer-token flow public registries use, and the image's `created` date from its config.
import { createHash } from 'node:crypto'
import type { Config } from '../config.ts'
import { UpstreamError } from '../errors.ts'
import type { LockedImage } from '../pin.ts'
import { dateFor, type RefreshContext } from './context.ts'
import { rewriteUrl } from './http.ts'

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ')

export interface ImageRef {
  /** Registry host[:port] as written (docker.io for Docker Hub). */
  host: string
  repository: string
  tag: string
}

/** Split `host[:port]/repo[:tag]`; no host means Docker Hub (`library/` added for one-part names). */
export function parseImageRef(ref: string): ImageRef {
  const noDigest = ref.split('@')[0]!
  const slash = noDigest.indexOf('/')
  const first = slash < 0 ? '' : noDigest.slice(0, slash)
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost'
  const host = hasHost ? first : 'docker.io'
  let rest = hasHost ? noDigest.slice(slash + 1) : noDigest
  let tag = 'latest'
  const colon = rest.lastIndexOf(':')
  if (colon > 0) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
  }
  if (host === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`
  return { host, repository: rest, tag }
}

/** The API base for a host: Docker Hub's real endpoint; plain HTTP for loopback and insecure registries. */
export function registryBase(config: Pick<Config, 'registries' | 'refresh'>, host: string): string {
  if (host === 'docker.io') return rewriteUrl(config, 'https://registry-1.docker.io')
  const insecure =
    /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host) ||
    config.registries.some((r) => r.host === host && r.insecure)
  return rewriteUrl(config, `${insecure ? 'http' : 'https'}://${host}`)
}

/** A fetch that answers a 401 with the Bearer challenge's anonymous token, once, then caches it. */
class RegistryClient {
  #token: string | undefined
  constructor(
    readonly base: string,
    readonly repository: string,
  ) {}

  async call(method: 'GET' | 'HEAD', path: string, accept?: string): Promise<Response> {
    const url = `${this.base}/v2/${this.repository}/${path}`
    const go = (): Promise<Response> =>
      fetch(url, {
        method,
        headers: {
          ...(accept ? { accept } : {}),
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
        },
        signal: AbortSignal.timeout(30_000),
      }).catch((e: Error) => {
        throw new UpstreamError(`registry: ${method} ${url} failed: ${e.message}`)
      })
    let res = await go()
    if (res.status === 401 && !this.#token) {
      await res.body?.cancel()
      this.#token = await this.#anonymousToken(res.headers.get('www-authenticate') ?? '', url)
      res = await go()
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw new UpstreamError(`registry: ${method} ${url}: HTTP ${res.status}`)
    }
    return res
  }

  async #anonymousToken(challenge: string, url: string): Promise<string> {
    if (!/^Bearer\s/i.test(challenge))
      throw new UpstreamError(
        `registry: ${url} wants ${challenge || 'credentials'}; only anonymous tokens are supported`,
      )
    const params: Record<string, string> = {}
    for (const m of challenge.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!
    if (!params.realm) throw new UpstreamError(`registry: ${url}: Bearer challenge without realm`)
    const q = new URLSearchParams()
    if (params.service) q.set('service', params.service)
    q.set('scope', params.scope ?? `repository:${this.repository}:pull`)
    const res = await fetch(`${params.realm}?${q}`, { signal: AbortSignal.timeout(30_000) }).catch(
      (e: Error) => {
        throw new UpstreamError(`registry: token request to ${params.realm} failed: ${e.message}`)
      },
    )
    if (!res.ok) throw new UpstreamError(`registry: token request to ${params.realm}: HTTP ${res.status}`)
    const body = (await res.json()) as { token?: string; access_token?: string }
    const token = body.token ?? body.access_token
    if (!token) throw new UpstreamError(`registry: ${params.realm} gave no token`)
    return token
  }
}

interface Manifest {
  mediaType?: string
  manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[]
  config?: { digest: string }
}

/** The manifest digest the registry serves for a tag. */
export async function imageDigest(
  config: Pick<Config, 'registries' | 'refresh'>,
  ref: string,
): Promise<string> {
  const r = parseImageRef(ref)
  const client = new RegistryClient(registryBase(config, r.host), r.repository)
  const head = await client.call('HEAD', `manifests/${r.tag}`, ACCEPT)
  const digest = head.headers.get('docker-content-digest')
  if (digest && /^sha256:[0-9a-f]{64}$/.test(digest)) return digest
  // Some registries omit the header on HEAD: hash the manifest bytes as served.
  const get = await client.call('GET', `manifests/${r.tag}`, ACCEPT)
  return `sha256:${createHash('sha256')
    .update(new Uint8Array(await get.arrayBuffer()))
    .digest('hex')}`
}

/** The `created` time of the image (the platform's manifest for an index), in unix seconds. */
async function createdOf(
  client: RegistryClient,
  digest: string,
  platform: string,
): Promise<number | undefined> {
  let m = (await (await client.call('GET', `manifests/${digest}`, ACCEPT)).json()) as Manifest
  if (m.manifests) {
    const [os, arch] = platform.split('/')
    const pick =
      m.manifests.find((x) => x.platform?.os === os && x.platform?.architecture === arch) ?? m.manifests[0]
    if (!pick) return undefined
    m = (await (await client.call('GET', `manifests/${pick.digest}`, ACCEPT)).json()) as Manifest
  }
  if (!m.config) return undefined
  const cfg = (await (await client.call('GET', `blobs/${m.config.digest}`)).json()) as { created?: string }
  const t = Date.parse(cfg.created ?? '')
  return Number.isFinite(t) && t > 0 ? Math.floor(t / 1000) : undefined
}

/**
 * Pin an image reference by manifest digest.
 * @example busybox: (ctx) => registryImage(ctx, 'docker.io/library/busybox:1.36')
 */
export async function registryImage(ctx: RefreshContext, ref: string): Promise<LockedImage> {
  const digest = await imageDigest(ctx.config, ref)
  const r = parseImageRef(ref)
  if (ctx.current?.kind === 'image' && ctx.current.digest === digest) return ctx.current
  const client = new RegistryClient(registryBase(ctx.config, r.host), r.repository)
  const created = await createdOf(client, digest, ctx.config.platforms[0] ?? 'linux/amd64').catch(
    () => undefined,
  )
  return {
    kind: 'image',
    ref,
    digest,
    version: r.tag,
    date: dateFor({}, r.tag, created),
    files: [],
  }
}

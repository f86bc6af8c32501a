// HTTP for refresh sources: text/JSON lookups with timeouts and UpstreamErrors, and one-pass downloads
// that hash a file while putting it into the store (so a new pin's sha256 is known after one download).
import { createHash, randomUUID } from 'node:crypto'
import { mkdir, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../config.ts'
import { UpstreamError } from '../errors.ts'
import type { Store } from '../store.ts'

const TIMEOUT_MS = 60_000

/** Apply `config.refresh.rewrite` (longest matching prefix wins): mirrors and test fixtures. */
export function rewriteUrl(config: Pick<Config, 'refresh'>, url: string): string {
  const rules = Object.entries(config.refresh?.rewrite ?? {}).sort((a, b) => b[0].length - a[0].length)
  for (const [from, to] of rules) if (url.startsWith(from)) return to + url.slice(from.length)
  return url
}

/** fetch() through the rewrite rules; non-2xx answers become UpstreamError (the body is dropped). */
export async function request(
  config: Pick<Config, 'refresh'>,
  url: string,
  init: RequestInit = {},
  what = 'request',
): Promise<Response> {
  const target = rewriteUrl(config, url)
  let res: Response
  try {
    res = await fetch(target, { signal: AbortSignal.timeout(TIMEOUT_MS), ...init })
  } catch (e) {
    throw new UpstreamError(`${what} ${target} failed: ${(e as Error).message}`)
  }
  if (!res.ok) {
    await res.body?.cancel()
    throw new UpstreamError(`${what} ${target}: HTTP ${res.status} ${res.statusText}`)
  }
  return res
}

export async function getText(
  config: Pick<Config, 'refresh'>,
  url: string,
  headers: Record<string, string> = {},
): Promise<string> {
  return (await request(config, url, { headers }, 'GET')).text()
}

export async function getJson<T>(
  config: Pick<Config, 'refresh'>,
  url: string,
  headers: Record<string, string> = {},
): Promise<T> {
  const text = await getText(config, url, { accept: 'application/json', ...headers })
  try {
    return JSON.parse(text) as T
  } catch {
    throw new UpstreamError(
      `GET ${url}: the answer is not JSON (${text.slice(0, 80).replace(/\s+/g, ' ')}...)`,
    )
  }
}

export async function getBytes(config: Pick<Config, 'refresh'>, url: string): Promise<Uint8Array> {
  return new Uint8Array(await (await request(config, url, {}, 'GET')).arrayBuffer())
}

export interface Downloaded {
  sha256: string
  size: number
  /** The file's path in the store. */
  path: string
  /** Last-Modified of the answer (unix seconds), when the server sent one. */
  lastModified?: number
}

/**
 * Download `url` once, hashing as it streams, and put the bytes into the store. With `integrity` (an SRI
 * string such as npm's `sha512-...`), the bytes must match it too.
 */
export async function download(
  config: Pick<Config, 'refresh'>,
  store: Store,
  url: string,
  opts: { integrity?: string } = {},
): Promise<Downloaded> {
  const sri = opts.integrity ? /^(sha256|sha384|sha512)-(.+)$/.exec(opts.integrity) : null
  const check = sri ? createHash(sri[1]!) : undefined
  const res = await request(config, url, {}, 'download')
  const dir = join(tmpdir(), 'atelier-refresh')
  await mkdir(dir, { recursive: true })
  const tmp = join(dir, `${process.pid}.${randomUUID()}.part`)
  const h = createHash('sha256')
  let size = 0
  const fh = await open(tmp, 'w')
  try {
    try {
      if (res.body)
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          h.update(chunk)
          check?.update(chunk)
          size += chunk.length
          await fh.write(chunk)
        }
    } catch (e) {
      throw new UpstreamError(`download ${url} interrupted: ${(e as Error).message}`)
    } finally {
      await fh.close()
    }
    const sha256 = h.digest('hex')
    if (sri && check) {
      const got = check.digest('base64')
      if (got !== sri[2])
        throw new UpstreamError(`download ${url}: ${sri[1]} is ${got}, the source says ${sri[2]}`)
    }
    // put() re-hashes what it copies, so a file changed under us is caught here, not at build time.
    const put = await store.put(tmp)
    if (put !== sha256) throw new UpstreamError(`download ${url}: the temp file changed while storing it`)
    const lm = Date.parse(res.headers.get('last-modified') ?? '')
    return {
      sha256,
      size,
      path: store.path(sha256),
      ...(Number.isFinite(lm) ? { lastModified: Math.floor(lm / 1000) } : {}),
    }
  } finally {
    await rm(tmp, { force: true })
  }
}

/** The last path segment of a URL (a file name for the build context). */
export function fileName(url: string): string {
  const path = new URL(url).pathname
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || 'download'
}

/** Now, in unix seconds: the date of a pin whose source publishes none (kept while the pin is unchanged). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

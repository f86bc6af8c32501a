// A download page or directory index (HTML or text) plus a regular expression with a `version` group:
// the newest matching file, downloaded once and pinned by sha256.
import type { Config } from '../config.ts'
import { UpstreamError } from '../errors.ts'
import type { LockedUrl } from '../pin.ts'
import { newest, type Scheme, type VersionFilter } from '../versions.ts'
import { dateFor, type RefreshContext } from './context.ts'
import { download, getText } from './http.ts'

export interface ListedFile {
  /** Absolute URL of the file. */
  url: string
  /** The file name as matched. */
  name: string
  version: string
}

/**
 * Every file a listing page names that matches `pattern` (which needs a `version` group). Matches are
 * taken from href attributes when the page has any, else from the raw text; relative links resolve
 * against the page URL.
 */
export async function listFiles(
  config: Pick<Config, 'refresh'>,
  pageUrl: string,
  pattern: RegExp,
): Promise<ListedFile[]> {
  if (!pattern.source.includes('?<version>'))
    throw new UpstreamError(`listing: ${pattern} has no (?<version>...) group`, 'add one around the version')
  const text = await getText(config, pageUrl)
  const hrefs = [...text.matchAll(/href\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]!)
  const candidates = hrefs.length ? hrefs : text.split(/[\s"'<>]+/)
  const anchored = new RegExp(`^(?:.*/)?(${pattern.source})$`, pattern.flags.replace('g', ''))
  const seen = new Map<string, ListedFile>()
  for (const c of candidates) {
    const m = anchored.exec(c.split(/[?#]/)[0]!)
    const version = m?.groups?.version
    if (!m || !version) continue
    const url = new URL(c, pageUrl).href
    if (!seen.has(url)) seen.set(url, { url, name: m[1]!, version })
  }
  return [...seen.values()]
}

export interface ListingOptions {
  /** The page listing the files. @example 'https://download.redis.io/releases/' */
  url: string
  /** File names; the `version` group is the version. @example /redis-(?<version>\d+\.\d+\.\d+)\.tar\.gz/ */
  pattern: RegExp
  filter?: VersionFilter
  /** @default 'dotted' */
  scheme?: Scheme
}

/**
 * The newest file of a listing, downloaded and pinned by sha256.
 * @example src: (ctx) => listing(ctx, { url: 'https://download.redis.io/releases/', pattern: /redis-(?<version>7\.\d+\.\d+)\.tar\.gz/ })
 */
export async function listing(ctx: RefreshContext, opts: ListingOptions): Promise<LockedUrl> {
  const files = await listFiles(ctx.config, opts.url, opts.pattern)
  const f = newest(files, opts.filter, opts.scheme ?? 'dotted')
  if (!f) throw new UpstreamError(`listing: ${opts.url} names no file matching ${opts.pattern}`)
  const d = await download(ctx.config, ctx.store, f.url)
  return {
    kind: 'url',
    version: f.version,
    date: dateFor(ctx, f.version, d.lastModified),
    files: [{ name: f.name, url: f.url, sha256: d.sha256, size: d.size }],
  }
}

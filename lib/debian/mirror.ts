// Mirror-relative URLs (`debian:pool/...`, `debian-security:pool/...`): locks name files by pool path
// so a fork can point at another mirror (snapshot.debian.org, a local cache) without re-locking.
import type { Config } from '../config.ts'
import { AtelierError } from '../errors.ts'

/** The URL schemes a lock may use instead of an absolute mirror address. */
const SCHEMES = { debian: 'mirror', 'debian-security': 'securityMirror' } as const

/**
 * An absolute http(s) URL for `url`: absolute URLs pass through; `debian:<path>` and
 * `debian-security:<path>` are resolved against `config.debian.mirror` / `.securityMirror`.
 * @example resolveUrl('debian:pool/main/r/redis/redis_7.0.15.orig.tar.gz', config)
 */
export function resolveUrl(url: string, config: Pick<Config, 'debian'> | undefined): string {
  if (/^https?:\/\//.test(url)) return url
  const m = /^(debian|debian-security):(.+)$/.exec(url)
  if (m) {
    if (config === undefined)
      throw new AtelierError(
        'E_URL',
        `${url} is relative to a Debian mirror, but no configuration was given`,
        {
          hint: 'pass the site configuration (loadConfig) to the Store',
        },
      )
    const base = config.debian[SCHEMES[m[1] as keyof typeof SCHEMES]]
    return `${base.replace(/\/+$/, '')}/${(m[2] as string).replace(/^\/+/, '')}`
  }
  throw new AtelierError('E_URL', `unsupported URL ${JSON.stringify(url)}`, {
    hint: 'use an absolute http(s) URL, or debian:pool/... / debian-security:pool/...',
  })
}

/** The mirror-relative form of a pool path on the main or the security mirror. */
export function poolUrl(mirror: 'debian' | 'debian-security', path: string): string {
  return `${mirror}:${path.replace(/^\/+/, '')}`
}

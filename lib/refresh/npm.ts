// npm packages: the newest version in a range from the registry (config npm.registry), pinned by the
// registry's integrity and by the sha256 of the tarball (downloaded once into the store).
import semver from 'semver'
import type { Config } from '../config.ts'
import { UpstreamError } from '../errors.ts'
import type { LockedNpm } from '../pin.ts'
import { dateFor, type RefreshContext } from './context.ts'
import { download, fileName, getJson } from './http.ts'

export interface Packument {
  name: string
  'dist-tags'?: Record<string, string>
  versions: Record<
    string,
    { version: string; deprecated?: string; dist: { tarball: string; integrity?: string } }
  >
  time?: Record<string, string>
}

/** The registry document of a package (scoped names are escaped as the registry wants). */
export async function npmPackument(
  config: Pick<Config, 'npm' | 'refresh'>,
  name: string,
): Promise<Packument> {
  const url = `${config.npm.registry.replace(/\/+$/, '')}/${name.replace('/', '%2f')}`
  return getJson<Packument>(config, url)
}

/**
 * The newest non-deprecated, non-prerelease version satisfying `range` (default: `latest`'s major line
 * is not assumed; any version). Returns undefined when none does.
 */
export function pickNpmVersion(doc: Packument, range = '*'): string | undefined {
  const candidates = Object.values(doc.versions)
    .filter((v) => !v.deprecated)
    .map((v) => v.version)
  return semver.maxSatisfying(candidates, range) ?? undefined
}

/**
 * Resolve an npm package to a LockedNpm: the newest version in `range`, its integrity, and its tarball
 * (files[0], sha256 computed here) published at `time[version]`.
 * @example marked: (ctx) => npmPackage(ctx, 'marked', '^12')
 */
export async function npmPackage(ctx: RefreshContext, name: string, range = '*'): Promise<LockedNpm> {
  const doc = await npmPackument(ctx.config, name)
  const version = pickNpmVersion(doc, range)
  if (!version) throw new UpstreamError(`npm: no version of ${name} satisfies ${JSON.stringify(range)}`)
  const meta = doc.versions[version]!
  if (!meta.dist.integrity)
    throw new UpstreamError(`npm: ${name}@${version} has no dist.integrity`, 'pick a newer range')
  const url = meta.dist.tarball
  const prev =
    ctx.current?.kind === 'npm' && ctx.current.version === version ? ctx.current.files[0] : undefined
  // The same tarball URL under the same integrity is the same file: skip the download.
  const same =
    prev && prev.url === url && ctx.current?.kind === 'npm' && ctx.current.integrity === meta.dist.integrity
  const file = same ? prev : { name: fileName(url), url, ...(await hashed(ctx, url, meta.dist.integrity)) }
  const published = Date.parse(doc.time?.[version] ?? '')
  return {
    kind: 'npm',
    name,
    version,
    integrity: meta.dist.integrity,
    date: dateFor(ctx, version, Number.isFinite(published) ? Math.floor(published / 1000) : undefined),
    files: [file],
  }
}

async function hashed(
  ctx: RefreshContext,
  url: string,
  integrity: string,
): Promise<{ sha256: string; size: number }> {
  const d = await download(ctx.config, ctx.store, url, { integrity })
  return { sha256: d.sha256, size: d.size }
}

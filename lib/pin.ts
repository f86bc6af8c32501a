// Pins: what a recipe asks for (PinSpec, in recipe.ts) and what the lock holds (LockedPin, in lock.json).
// Refresh rewrites only lock.json, so bumping a version never edits TypeScript.

/** A file a pin brings into the build context, verified by sha256 when fetched and inside the build. */
export interface PinFile {
  /** File name in the build context, under `.sources/<pin>/`. */
  name: string
  /** Absolute URL, or a path relative to a configured mirror (`debian:pool/main/r/redis/...`). */
  url: string
  sha256: string
  size?: number
  /** The source's own checksum, kept beside sha256 (apk `Q1...`: sha1 of the control segment). */
  integrity?: string
}

interface LockedBase {
  /** Upstream version string as the source orders it. */
  version: string
  /** When this version was published (unix seconds); the newest one is the image's SOURCE_DATE_EPOCH. */
  date: number
  files: PinFile[]
}
export interface LockedUrl extends LockedBase {
  kind: 'url'
  /**
   * Files vendored into the image folder's `files/` (committed; the context hashes them), recorded here
   * for provenance and so refresh notices an upstream change. `name` is the path under `files/`.
   */
  committed?: PinFile[]
}
export interface LockedDebianSource extends LockedBase {
  kind: 'debian-source'
  name: string
  suite: string
}
export interface LockedDebianPackage extends LockedBase {
  kind: 'debian-package'
  name: string
  arch: string
  suite: string
}
export interface DebianPackageEntry {
  name: string
  version: string
  arch: string
  sha256: string
  /** Mirror-relative pool URL of the .deb (`debian:pool/main/...`, `debian-security:pool/updates/...`). */
  url?: string
}
/** A whole installed Debian system (mmdebstrap): every .deb it holds. */
export interface LockedDebianSystem extends LockedBase {
  kind: 'debian-system'
  suite: string
  variant: string
  include: string[]
  packages: DebianPackageEntry[]
}
export interface LockedNpm extends LockedBase {
  kind: 'npm'
  name: string
  /** Subresource integrity string from the registry (`sha512-...`). */
  integrity: string
}
export interface LockedGit extends LockedBase {
  kind: 'git'
  repo: string
  commit: string
}
export interface LockedImage extends LockedBase {
  kind: 'image'
  ref: string
  digest: string
}
export type LockedPin =
  | LockedUrl
  | LockedDebianSource
  | LockedDebianPackage
  | LockedDebianSystem
  | LockedNpm
  | LockedGit
  | LockedImage

/** What a recipe declares about an input; refresh turns it into a LockedPin. */
export type PinSpec =
  | {
      kind: 'url'
      /** Where refresh looks: see the image's refresh.ts. */
      description?: string
    }
  | {
      kind: 'debian-source'
      name: string
      suite?: string
      /** Which files: upstream tarball(s) only, or all. */
      files?: 'orig' | 'all'
    }
  | { kind: 'debian-package'; name: string; suite?: string; arch?: string }
  | { kind: 'debian-system'; suite?: string; variant?: 'minbase' | 'essential' | 'apt'; include?: string[] }
  | { kind: 'npm'; name: string; range?: string }
  | { kind: 'git'; repo: string; ref?: string }
  | { kind: 'image'; ref: string }

/**
 * A file fetched from an arbitrary URL, pinned by sha256 in the lock; the image's refresh.ts says how
 * to find the newest one.
 * @example pins: { alpine: url('Alpine minirootfs') }
 */
export function url(description?: string): PinSpec {
  return description === undefined ? { kind: 'url' } : { kind: 'url', description }
}
/**
 * A Debian source package from the configured mirror's Sources index.
 * @example pins: { redis: debianSource('redis') } // pins redis_7.0.15.orig.tar.gz by sha256
 */
export function debianSource(name: string, opts: { suite?: string; files?: 'orig' | 'all' } = {}): PinSpec {
  return { kind: 'debian-source', name, ...opts }
}
/**
 * One Debian binary package (.deb) from the configured mirror's Packages index.
 * @example pins: { tzdata: debianPackage('tzdata') }
 */
export function debianPackage(name: string, opts: { suite?: string; arch?: string } = {}): PinSpec {
  return { kind: 'debian-package', name, ...opts }
}
/**
 * A whole Debian system installed by mmdebstrap; the lock lists every .deb in it.
 * @example pins: { system: debianSystem({ variant: 'minbase', include: ['gcc', 'make'] }) }
 */
export function debianSystem(
  opts: { suite?: string; variant?: 'minbase' | 'essential' | 'apt'; include?: string[] } = {},
): PinSpec {
  return { kind: 'debian-system', ...opts }
}
/**
 * An npm package tarball, pinned by its registry integrity.
 * @example pins: { marked: npm('marked', '^12') }
 */
export function npm(name: string, range?: string): PinSpec {
  return range === undefined ? { kind: 'npm', name } : { kind: 'npm', name, range }
}
/**
 * A git repository at a commit.
 * @example pins: { src: git('https://github.com/redis/redis', 'refs/tags/7.2.4') }
 */
export function git(repo: string, ref?: string): PinSpec {
  return ref === undefined ? { kind: 'git', repo } : { kind: 'git', repo, ref }
}
/**
 * An image from another registry, pinned by manifest digest.
 * @example pins: { busybox: imagePin('docker.io/library/busybox:1.36') }
 */
export function imagePin(ref: string): PinSpec {
  return { kind: 'image', ref }
}

/** The BOM key of a pin, e.g. `debian-src:redis`, `deb:tzdata`, `url:alpine`. */
export function bomEntries(pinName: string, pin: LockedPin): Record<string, string> {
  switch (pin.kind) {
    case 'debian-source':
      return { [`debian-src:${pin.name}`]: pin.version }
    case 'debian-package':
      return { [`deb:${pin.name}`]: pin.version }
    case 'debian-system':
      return Object.fromEntries(pin.packages.map((p) => [`deb:${p.name}`, p.version]))
    case 'npm':
      return { [`npm:${pin.name}`]: pin.version }
    case 'git':
      return { [`git:${pinName}`]: pin.commit.slice(0, 12) }
    case 'image':
      return { [`image:${pinName}`]: pin.digest.replace('sha256:', '').slice(0, 12) }
    case 'url':
      return { [`url:${pinName}`]: pin.version }
  }
}

/** Newest publication time among the pins: the image's SOURCE_DATE_EPOCH (never the clock). */
export function newestDate(pins: Record<string, LockedPin>): number {
  let max = 0
  for (const p of Object.values(pins)) if (p.date > max) max = p.date
  return max
}

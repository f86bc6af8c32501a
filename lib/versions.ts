// Ordering and filtering upstream versions: semver, plain dotted tags, Debian and Alpine versions.
// Refresh sources list candidates; this file alone decides which one is newest.
import semver from 'semver'

export type Scheme = 'semver' | 'dotted' | 'debian' | 'alpine'

/** Which versions refresh may pick. */
export interface VersionFilter {
  /** Keep only this major line. @example major: 7 */
  major?: number
  /** Keep prereleases (`-rc1`, `_beta`, `~rc`). @default false */
  prerelease?: boolean
  /** Tags must match; a `version` group, if present, extracts the version from the tag. @example /^v(?<version>\d+\.\d+\.\d+)$/ */
  match?: RegExp
  /** A semver range the version must satisfy (semver scheme). @example '^4' */
  range?: string
}

type DebianCompare = (a: string, b: string) => number
let debianCompare: DebianCompare | undefined

/** lib/debian owns Debian ordering; it is loaded lazily so this file stays usable on its own. */
export async function loadDebianOrdering(): Promise<void> {
  if (debianCompare) return
  const mod = (await import('./debian/version.ts')) as { compareDebianVersions: DebianCompare }
  debianCompare = mod.compareDebianVersions
}

/** Strip a leading `v`/`V` and common tag prefixes such as `release-`, `redis-`. */
export function cleanTag(tag: string): string {
  return tag.replace(/^[A-Za-z][A-Za-z0-9_-]*?[-_](?=\d)/, '').replace(/^[vV](?=\d)/, '')
}

const PRE = /(?:^|[.\-_~+])(?:alpha|beta|pre|rc|dev|preview|snapshot|nightly|a|b)\.?\d*(?:$|[.\-_+])/i

/** Whether a version looks like a prerelease in its scheme. */
export function isPrerelease(version: string, scheme: Scheme = 'dotted'): boolean {
  if (scheme === 'semver') {
    const v = semver.valid(cleanTag(version))
    if (v) return semver.prerelease(v) !== null
  }
  if (scheme === 'debian') return /~(?:alpha|beta|pre|rc)/i.test(version)
  if (scheme === 'alpine') return /_(?:alpha|beta|pre|rc)\d*/.test(version)
  return PRE.test(cleanTag(version))
}

/** Compare numeric/dotted versions: numbers numerically, text by code point, `1.2` < `1.2.1`. */
export function compareDotted(a: string, b: string): number {
  const pa = cleanTag(a).split(/[.\-_+]/)
  const pb = cleanTag(b).split(/[.\-_+]/)
  // A prerelease suffix sorts before the release it precedes (1.2.0-rc1 < 1.2.0).
  const preA = isPrerelease(a)
  const preB = isPrerelease(b)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i]
    const y = pb[i]
    if (x === undefined) return preB && !/^\d+$/.test(y ?? '') ? 1 : -1
    if (y === undefined) return preA && !/^\d+$/.test(x) ? -1 : 1
    const c = compareSegment(x, y)
    if (c !== 0) return c
  }
  return preA === preB ? 0 : preA ? -1 : 1
}

function compareSegment(x: string, y: string): number {
  const nx = /^\d+$/.test(x)
  const ny = /^\d+$/.test(y)
  if (nx && ny) return Number(x) - Number(y) || 0
  if (nx) return 1 // a number sorts after text: 1.2.rc1 < 1.2.0
  if (ny) return -1
  // Mixed like "rc2" vs "rc10" or "10a" vs "9b": compare digit runs as numbers, text runs as text.
  const tx = x.match(/\d+|\D+/g) ?? []
  const ty = y.match(/\d+|\D+/g) ?? []
  for (let i = 0; i < Math.max(tx.length, ty.length); i++) {
    const p = tx[i]
    const q = ty[i]
    if (p === undefined) return -1
    if (q === undefined) return 1
    const dp = /^\d/.test(p)
    const dq = /^\d/.test(q)
    const c = dp && dq ? Number(p) - Number(q) : dp ? 1 : dq ? -1 : p < q ? -1 : p > q ? 1 : 0
    if (c !== 0) return Math.sign(c)
  }
  return 0
}

/** Compare semver versions (tags like `v1.2.3` accepted); falls back to dotted order for non-semver. */
export function compareSemver(a: string, b: string): number {
  const va = semver.valid(cleanTag(a)) ?? semver.coerce(cleanTag(a))?.version
  const vb = semver.valid(cleanTag(b)) ?? semver.coerce(cleanTag(b))?.version
  if (va && vb) {
    const c = semver.compare(va, vb)
    if (c !== 0) return c
  }
  return compareDotted(a, b)
}

// Alpine (apk) versions: digits separated by dots, optional letter, then suffixes
// (_alpha _beta _pre _rc < none < _cvs _svn _git _hg _p), then `-rN`. Written here because no kept
// npm library implements apk ordering.
const ALPINE_SUFFIX: Record<string, number> = {
  alpha: -4,
  beta: -3,
  pre: -2,
  rc: -1,
  '': 0,
  cvs: 1,
  svn: 2,
  git: 3,
  hg: 4,
  p: 5,
}

interface AlpineParts {
  nums: string[]
  letter: string
  suffixes: [number, number][]
  rev: number
}

function parseAlpine(v: string): AlpineParts {
  const m = /^([0-9]+(?:\.[0-9]+)*)([a-z]?)((?:_[a-z]+[0-9]*)*)(?:-r([0-9]+))?$/.exec(v)
  if (!m) return { nums: [v], letter: '', suffixes: [], rev: 0 }
  const suffixes: [number, number][] = []
  for (const s of m[3]!.split('_').filter(Boolean)) {
    const sm = /^([a-z]+)([0-9]*)$/.exec(s)!
    suffixes.push([ALPINE_SUFFIX[sm[1]!] ?? 0, Number(sm[2] || 0)])
  }
  return { nums: m[1]!.split('.'), letter: m[2]!, suffixes, rev: Number(m[4] ?? 0) }
}

export function compareAlpineVersions(a: string, b: string): number {
  const x = parseAlpine(a)
  const y = parseAlpine(b)
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const p = x.nums[i]
    const q = y.nums[i]
    if (p === undefined) return -1
    if (q === undefined) return 1
    // apk compares a leading-zero component as a fraction (1.01 < 1.1), except the first.
    const c =
      i > 0 && (p.startsWith('0') || q.startsWith('0')) ? (p < q ? -1 : p > q ? 1 : 0) : Number(p) - Number(q)
    if (c !== 0) return Math.sign(c)
  }
  if (x.letter !== y.letter) return x.letter < y.letter ? -1 : 1
  for (let i = 0; i < Math.max(x.suffixes.length, y.suffixes.length); i++) {
    const s = x.suffixes[i] ?? [0, 0]
    const t = y.suffixes[i] ?? [0, 0]
    if (s[0] !== t[0]) return s[0] < t[0] ? -1 : 1
    if (s[1] !== t[1]) return s[1] < t[1] ? -1 : 1
  }
  return Math.sign(x.rev - y.rev)
}

/** Compare two versions in a scheme; Debian needs `loadDebianOrdering()` first. */
export function compareVersions(a: string, b: string, scheme: Scheme = 'semver'): number {
  switch (scheme) {
    case 'semver':
      return compareSemver(a, b)
    case 'dotted':
      return compareDotted(a, b)
    case 'alpine':
      return compareAlpineVersions(a, b)
    case 'debian':
      if (!debianCompare) throw new Error('call loadDebianOrdering() before comparing Debian versions')
      return debianCompare(a, b)
  }
}

/** The version a tag names: the regex's `version` group, else the tag without its prefix. */
export function versionOfTag(tag: string, match?: RegExp): string | undefined {
  if (match) {
    const m = match.exec(tag)
    if (!m) return undefined
    return m.groups?.version ?? cleanTag(tag)
  }
  return cleanTag(tag)
}

function majorOf(version: string, scheme: Scheme): number {
  const v = scheme === 'debian' ? version.replace(/^\d+:/, '') : cleanTag(version)
  return Number(/^(\d+)/.exec(v)?.[1] ?? Number.NaN)
}

/** Apply a filter to candidates (tags or versions); keeps `{ tag, version }` pairs, in input order. */
export function filterVersions<T extends { version: string }>(
  items: T[],
  filter: VersionFilter = {},
  scheme: Scheme = 'semver',
): T[] {
  return items.filter((it) => {
    if (!filter.prerelease && isPrerelease(it.version, scheme)) return false
    if (filter.major !== undefined && majorOf(it.version, scheme) !== filter.major) return false
    if (filter.range !== undefined) {
      const v = semver.coerce(cleanTag(it.version), { includePrerelease: true })
      if (!v || !semver.satisfies(v, filter.range, { includePrerelease: filter.prerelease ?? false }))
        return false
    }
    return true
  })
}

/** Sort ascending in a scheme (stable). */
export function sortVersions<T extends { version: string }>(items: T[], scheme: Scheme = 'semver'): T[] {
  return [...items].sort((a, b) => compareVersions(a.version, b.version, scheme))
}

/** The newest candidate after filtering, or undefined. */
export function newest<T extends { version: string }>(
  items: T[],
  filter: VersionFilter = {},
  scheme: Scheme = 'semver',
): T | undefined {
  const kept = sortVersions(filterVersions(items, filter, scheme), scheme)
  return kept[kept.length - 1]
}

/** Turn raw tags into `{ tag, version }` candidates, applying `filter.match` (and its `version` group). */
export function tagsToVersions(tags: string[], match?: RegExp): { tag: string; version: string }[] {
  const out: { tag: string; version: string }[] = []
  for (const tag of tags) {
    const version = versionOfTag(tag, match)
    if (version !== undefined) out.push({ tag, version })
  }
  return out
}

// `pnpm audit`: what in the locks needs attention without refreshing anything: Debian packages for
// which the security suite has a newer version, pins published too long ago, and deprecated images.
import { loadConfig } from '../config.ts'
import { binaryIndexes, debianArch } from '../debian/index.ts'
import { compareDebianVersions } from '../debian/version.ts'
import { imageDirs, type LoadedImage, loadImage } from '../images.ts'

export type Finding =
  | {
      kind: 'security'
      image: string
      pin: string
      package: string
      locked: string
      available: string
      suite: string
    }
  | { kind: 'stale'; image: string; pin: string; version: string; ageDays: number }
  | { kind: 'deprecated'; image: string; reason: string }

export interface AuditOptions {
  images?: string[]
  configOverrides?: string
  /** Overrides config refresh.maxAgeDays. */
  maxAgeDays?: number
  /** Unix seconds; default now (tests fix it). */
  now?: number
}

/** The security suite of a locked suite: `bookworm`, `bookworm-updates` -> `bookworm-security`. */
export function securitySuite(suite: string): string {
  return `${suite.replace(/-(updates|security|backports)$/, '')}-security`
}

/** Installed Debian packages a lock names: (pin, name, version, arch, suite). */
function debianPackagesOf(
  img: LoadedImage,
): { pin: string; name: string; version: string; arch: string; suite: string }[] {
  const out: { pin: string; name: string; version: string; arch: string; suite: string }[] = []
  for (const [pin, p] of Object.entries(img.lock.pins)) {
    if (p.kind === 'debian-package')
      out.push({ pin, name: p.name, version: p.version, arch: p.arch, suite: p.suite })
    if (p.kind === 'debian-system')
      for (const e of p.packages)
        out.push({ pin, name: e.name, version: e.version, arch: e.arch, suite: p.suite })
  }
  return out
}

export async function runAudit(root: string, opts: AuditOptions = {}): Promise<Finding[]> {
  const config = await loadConfig(root, opts.configOverrides ?? '')
  const all = await Promise.all((await imageDirs(root)).map((d) => loadImage(root, d)))
  const images = all.filter((i) => !opts.images?.length || opts.images.includes(i.name))
  const now = opts.now ?? Math.floor(Date.now() / 1000)
  const maxAge = opts.maxAgeDays ?? config.refresh?.maxAgeDays ?? 365
  const findings: Finding[] = []

  // One security index per (suite, arch); `all` packages are listed in every arch's index.
  const fallbackArch = debianArch(config)
  const indexes = new Map<string, Promise<Map<string, string>>>()
  const newestIn = (suite: string, arch: string): Promise<Map<string, string>> => {
    const key = `${suite}/${arch}`
    let p = indexes.get(key)
    if (!p) {
      p = binaryIndexes(config, suite, arch, { root }).then((suites) => {
        const best = new Map<string, string>()
        for (const s of suites)
          for (const [name, entries] of s.entries)
            for (const e of entries) {
              const cur = best.get(name)
              if (!cur || compareDebianVersions(e.version, cur) > 0) best.set(name, e.version)
            }
        return best
      })
      indexes.set(key, p)
    }
    return p
  }

  for (const img of images) {
    if (img.recipe.deprecated)
      findings.push({ kind: 'deprecated', image: img.name, reason: img.recipe.deprecated })
    for (const [pin, p] of Object.entries(img.lock.pins)) {
      const ageDays = Math.floor((now - p.date) / 86400)
      if (p.date > 0 && ageDays > maxAge)
        findings.push({ kind: 'stale', image: img.name, pin, version: p.version, ageDays })
    }
    for (const pkg of debianPackagesOf(img)) {
      const suite = securitySuite(pkg.suite)
      const index = await newestIn(suite, pkg.arch === 'all' ? fallbackArch : pkg.arch)
      const available = index.get(pkg.name)
      if (available && compareDebianVersions(available, pkg.version) > 0)
        findings.push({
          kind: 'security',
          image: img.name,
          pin: pkg.pin,
          package: pkg.name,
          locked: pkg.version,
          available,
          suite,
        })
    }
  }
  return findings
}

export function formatFinding(f: Finding): string {
  switch (f.kind) {
    case 'security':
      return `${f.image}: ${f.pin}: ${f.package} ${f.locked} -> ${f.available} in ${f.suite} (run \`pnpm refresh ${f.image}\`)`
    case 'stale':
      return `${f.image}: ${f.pin}: ${f.version} was published ${f.ageDays} days ago`
    case 'deprecated':
      return `${f.image}: deprecated: ${f.reason}`
  }
}

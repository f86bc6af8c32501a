// Whole Debian systems with mmdebstrap: lock = the exact package set such a system holds (every .deb by
// sha256 from the verified indexes); build = the same set again, pinned, as a byte-reproducible tarball.
import { spawn } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Config } from '../config.ts'
import { CommandError, LockError, UpstreamError } from '../errors.ts'
import type { DebianPackageEntry, LockedDebianSystem } from '../pin.ts'
import { Store } from '../store.ts'
import { type BinaryEntry, binaryIndexes, debianArch, type IndexedSuite, type IndexOptions } from './index.ts'
import { resolveUrl } from './mirror.ts'

export type DebianVariant = 'minbase' | 'essential' | 'apt'

export interface DebianSystemSpec {
  /** Accepted so a PinSpec can be passed as is. */
  kind?: 'debian-system'
  /** @default config.debian.suite */
  suite?: string
  /** mmdebstrap variant. @default 'minbase' */
  variant?: DebianVariant
  /** Extra packages on top of the variant. @example ['ca-certificates'] */
  include?: string[]
}

/** One installed package as dpkg reports it. */
interface Installed {
  name: string
  version: string
  arch: string
}

/** The dpkg-query format the hooks print: tab-separated name, version, architecture. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${Field} syntax, not a template
const QUERY_FORMAT = '${Package}\\t${Version}\\t${Architecture}\\n'

/** Quote a string for sh. */
function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

/** The sources.list lines mmdebstrap gets: the suite, -updates and -security where the mirror has them. */
function mirrorLines(config: Pick<Config, 'debian'>, suites: IndexedSuite<BinaryEntry>[]): string[] {
  return suites.map(
    (s) =>
      `deb ${(s.mirror === 'debian' ? config.debian.mirror : config.debian.securityMirror).replace(/\/+$/, '')} ${s.suite} ${config.debian.components.join(' ')}`,
  )
}

function parseInstalled(text: string): Installed[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [name = '', version = '', arch = ''] = l.split('\t')
      return { name, version, arch }
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** Run mmdebstrap, streaming its stderr lines to `log`; throws CommandError with the tail on failure. */
async function mmdebstrap(
  args: string[],
  env: Record<string, string>,
  log: ((line: string) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const argv = ['mmdebstrap', ...args]
  const child = spawn('mmdebstrap', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    ...(signal ? { signal } : {}),
  })
  const tail: string[] = []
  const onData = (d: Buffer): void => {
    for (const line of d.toString().split('\n')) {
      if (!line) continue
      log?.(line)
      tail.push(line)
      if (tail.length > 40) tail.shift()
    }
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  if (code !== 0)
    throw new CommandError(
      argv,
      code,
      tail.join('\n'),
      'mmdebstrap needs root (or --mode=unshare), network to the mirror, and the mirror lines above',
    )
}

/** Find each installed package in the indexes: the base suite first, so a version in both comes from it. */
function locate(
  installed: Installed[],
  suites: IndexedSuite<BinaryEntry>[],
): {
  found: { pkg: Installed; suite: IndexedSuite<BinaryEntry>; entry: BinaryEntry }[]
  missing: Installed[]
} {
  const found: { pkg: Installed; suite: IndexedSuite<BinaryEntry>; entry: BinaryEntry }[] = []
  const missing: Installed[] = []
  for (const pkg of installed) {
    let hit: { suite: IndexedSuite<BinaryEntry>; entry: BinaryEntry } | undefined
    for (const suite of suites) {
      const entry = suite.entries.get(pkg.name)?.find((e) => e.version === pkg.version && e.arch === pkg.arch)
      if (entry) {
        hit = { suite, entry }
        break
      }
    }
    if (hit) found.push({ pkg, ...hit })
    else missing.push(pkg)
  }
  return { found, missing }
}

function yyyymmdd(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 10).replace(/-/g, '')
}

/** The store for .deb files: `opts.store`, else `config.storeDir` under the repository root. */
function storeFor(
  config: Pick<Config, 'debian'> & { storeDir?: string },
  opts: IndexOptions & { store?: Store },
): Store {
  return (
    opts.store ?? new Store(join(opts.root ?? process.cwd(), config.storeDir ?? '.atelier/store'), { config })
  )
}

/** The file name apt gives a downloaded .deb in /var/cache/apt/archives (epoch colon encoded). */
function archiveName(p: { name: string; version: string; arch: string }): string {
  return `${p.name}_${p.version.replace(/:/g, '%3a')}_${p.arch}.deb`
}

/**
 * Find out exactly which packages an mmdebstrap system holds (one `--format=null` run whose customize
 * hook lists the dpkg database) and pin each .deb by the sha256 in the verified Packages indexes.
 * `version` is the newest Release date among the suites used (YYYYMMDD); with `opts.current` and an
 * unchanged package set, the current pin is returned as is, so an idle mirror never moves the lock.
 * @example await lockDebianSystem(config, { variant: 'minbase' })
 */
export async function lockDebianSystem(
  config: Pick<Config, 'debian' | 'platforms'> & { storeDir?: string },
  spec: DebianSystemSpec = {},
  opts: IndexOptions & {
    arch?: string
    workDir?: string
    log?: (line: string) => void
    current?: LockedDebianSystem
    /** Where the downloaded .debs are kept for the build that follows. @default config.storeDir */
    store?: Store
  } = {},
): Promise<LockedDebianSystem> {
  const suite = spec.suite ?? config.debian.suite
  const variant = spec.variant ?? 'minbase'
  const include = [...new Set(spec.include ?? [])].sort()
  const arch = opts.arch ?? debianArch(config)
  const suites = await binaryIndexes(config, suite, arch, opts)
  const work = opts.workDir ?? (await mkdtemp(join(tmpdir(), 'atelier-debian-lock-')))
  const listing = join(work, 'installed.tsv')
  const debs = join(work, 'debs')
  try {
    await rm(listing, { force: true })
    await rm(debs, { recursive: true, force: true })
    await mkdir(debs, { recursive: true })
    await mmdebstrap(
      [
        `--variant=${variant}`,
        '--mode=root',
        // No fsync per file: the tree is thrown away or tarred, and it halves the install time here.
        '--dpkgopt=force-unsafe-io',
        '--format=null',
        `--architectures=${arch}`,
        ...(include.length ? [`--include=${include.join(',')}`] : []),
        // Keep every downloaded .deb until the customize hook copies them out for the store.
        '--skip=essential/unlink',
        `--customize-hook=dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${QUERY_FORMAT}' > ${sh(listing)}`,
        `--customize-hook=cp "$1"/var/cache/apt/archives/*.deb ${sh(debs)}/`,
        suite,
        '/dev/null',
        ...mirrorLines(config, suites),
      ],
      {},
      opts.log,
      opts.signal,
    )
    const installed = parseInstalled(await readFile(listing, 'utf8'))
    const { found, missing } = locate(installed, suites)
    if (missing.length)
      throw new UpstreamError(
        `mmdebstrap installed package(s) the indexes do not list: ${missing.map((m) => `${m.name} ${m.version} ${m.arch}`).join(', ')}`,
        'the mirror changed during the run: run the command again',
      )
    // Keep the .debs in the store (content-addressed), so the build that follows downloads nothing.
    const store = storeFor(config, opts)
    for (const f of await readdir(debs)) await store.put(join(debs, f))
    const packages: DebianPackageEntry[] = found.map(({ pkg, suite: s, entry }) => ({
      name: pkg.name,
      version: pkg.version,
      arch: pkg.arch,
      sha256: entry.sha256,
      url: `${s.mirror}:${entry.filename}`,
    }))
    const cur = opts.current
    if (
      cur &&
      cur.suite === suite &&
      cur.variant === variant &&
      JSON.stringify(cur.include) === JSON.stringify(include) &&
      JSON.stringify(cur.packages) === JSON.stringify(packages)
    )
      return cur
    const date = Math.max(...found.map((f) => f.suite.date))
    return {
      kind: 'debian-system',
      suite,
      variant,
      include,
      version: yyyymmdd(date),
      date,
      files: [],
      packages,
    }
  } finally {
    if (!opts.workDir) await rm(work, { recursive: true, force: true })
  }
}

/** Packages of the lock the mirror no longer serves as locked (absent, or same version with other bytes). */
function stale(pin: LockedDebianSystem, suites: IndexedSuite<BinaryEntry>[]): string[] {
  const out: string[] = []
  for (const p of pin.packages) {
    const same = suites
      .flatMap((s) => s.entries.get(p.name) ?? [])
      .filter((e) => e.version === p.version && e.arch === p.arch)
    if (same.length === 0) out.push(`${p.name} ${p.version} (${p.arch}) is no longer served`)
    else if (!same.some((e) => e.sha256 === p.sha256))
      out.push(
        `${p.name} ${p.version} (${p.arch}) is served with sha256 ${same[0]?.sha256}, locked ${p.sha256}`,
      )
  }
  return out
}

/** apt preferences that make the locked version the candidate of every locked package. */
function preferences(pin: LockedDebianSystem): string {
  return pin.packages
    .map((p) => `Package: ${p.name}\nPin: version ${p.version}\nPin-Priority: 1001\n`)
    .join('\n')
}

/**
 * Build the locked system as a tarball with mmdebstrap: apt pinned to every locked version, the
 * installed set checked against the lock, the root cleaned for a container, SOURCE_DATE_EPOCH = `epoch`
 * (two runs give the same bytes). The tar is written atomically.
 * @throws LockError when the mirror no longer serves the locked set, or installs anything else.
 */
export async function buildDebianSystem(
  config: Pick<Config, 'debian' | 'platforms'> & { storeDir?: string },
  pin: LockedDebianSystem,
  outTar: string,
  opts: IndexOptions & {
    epoch: number
    arch?: string
    log?: (line: string) => void
    /** Image name for the refresh hint. @default 'debian' */
    image?: string
    /** Where the locked .debs are fetched and verified. @default config.storeDir */
    store?: Store
  },
): Promise<void> {
  const refresh = `run \`pnpm refresh ${opts.image ?? 'debian'}\` to re-lock the system against the mirror`
  const arch = opts.arch ?? debianArch(config)
  const suites = await binaryIndexes(config, pin.suite, arch, opts)
  // Checked before the ~20 s run: the indexes say at once whether the mirror still has the locked set.
  const gone = stale(pin, suites)
  if (gone.length)
    throw new LockError(
      `the Debian system lock (${pin.suite}, ${pin.version}) is stale: ${gone.length} package(s) not served as locked by ${config.debian.mirror} or ${config.debian.securityMirror}:\n  ${gone.join('\n  ')}`,
      refresh,
    )

  const work = await mkdtemp(join(tmpdir(), 'atelier-debian-build-'))
  const prefs = join(work, 'atelier-lock.pref')
  const listing = join(work, 'installed.tsv')
  const debs = join(work, 'debs')
  const tmpTar = join(dirname(outTar), `.${process.pid}.${Date.now()}.rootfs.tar`)
  try {
    await writeFile(prefs, preferences(pin))
    // Every .deb through the store, verified against the locked sha256; apt then finds them in its
    // archive directory and downloads nothing (apt checks them against the index hashes too).
    await mkdir(debs)
    const store = storeFor(config, opts)
    const queue = pin.packages.filter((p) => p.url !== undefined)
    const worker = async (): Promise<void> => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        const path = await store.fetch(
          resolveUrl(p.url as string, config),
          p.sha256,
          opts.signal ? { signal: opts.signal } : {},
        )
        await copyFile(path, join(debs, archiveName(p)))
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()])
    await mmdebstrap(
      [
        `--variant=${pin.variant}`,
        '--mode=root',
        // No fsync per file: the tree is thrown away or tarred, and it halves the install time here.
        '--dpkgopt=force-unsafe-io',
        // Every package is pinned by version and verified by sha256 against the lock, so an index past
        // its Valid-Until (a shifted clock, snapshot.debian.org) cannot change what gets installed.
        '--aptopt=Acquire::Check-Valid-Until "false"',
        '--format=tar',
        `--architectures=${arch}`,
        ...(pin.include.length ? [`--include=${pin.include.join(',')}`] : []),
        // Before apt resolves anything, so the essential set is pinned too.
        `--setup-hook=mkdir -p "$1/etc/apt/preferences.d" && cp ${sh(prefs)} "$1/etc/apt/preferences.d/atelier-lock.pref"`,
        `--setup-hook=mkdir -p "$1/var/cache/apt/archives" && cp ${sh(debs)}/. "$1/var/cache/apt/archives/" -R`,
        `--customize-hook=dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${QUERY_FORMAT}' > ${sh(listing)}`,
        // A container root: no pinning file, apt caches, lists, machine identity or host network files.
        '--customize-hook=rm -f "$1/etc/apt/preferences.d/atelier-lock.pref" "$1/etc/apt/apt.conf.d/99mmdebstrap" "$1"/var/cache/apt/*.bin "$1/etc/hostname" "$1/etc/resolv.conf"',
        '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* && mkdir -p "$1/var/lib/apt/lists/partial"',
        '--customize-hook=: > "$1/etc/machine-id"',
        pin.suite,
        tmpTar,
        ...mirrorLines(config, suites),
      ],
      { SOURCE_DATE_EPOCH: String(opts.epoch) },
      opts.log,
      opts.signal,
    )
    const installed = parseInstalled(await readFile(listing, 'utf8'))
    const want = new Map(pin.packages.map((p) => [`${p.name}:${p.arch}`, p.version]))
    const got = new Map(installed.map((p) => [`${p.name}:${p.arch}`, p.version]))
    const diff: string[] = []
    for (const [k, v] of want)
      if (got.get(k) !== v) diff.push(`${k}: locked ${v}, installed ${got.get(k) ?? 'nothing'}`)
    for (const [k, v] of got) if (!want.has(k)) diff.push(`${k}: installed ${v}, not in the lock`)
    if (diff.length)
      throw new LockError(`the built Debian system differs from its lock:\n  ${diff.join('\n  ')}`, refresh)
    await rename(tmpTar, outTar)
  } finally {
    // Cleanup must not hide the error that got us here.
    await rm(tmpTar, { force: true }).catch(() => undefined)
    await rm(work, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined)
  }
}

// Debian archive indexes: Release, Packages and Sources of a suite and its -updates/-security companions,
// each verified against the Release's SHA256 and cached on disk by that hash (parsed once per process).
import { spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { Config } from '../config.ts'
import { CommandError, FetchError, UpstreamError } from '../errors.ts'
import type { LockedDebianPackage, LockedDebianSource, PinFile } from '../pin.ts'
import { Store } from '../store.ts'
import { resolveUrl } from './mirror.ts'
import { compareDebianVersions } from './version.ts'

/** Bumped when the parsed cache format changes. */
const PARSED_VERSION = 'v1'

export type MirrorName = 'debian' | 'debian-security'

export interface IndexOptions {
  /** Repository root; the cache lives under `<root>/.atelier/cache/debian/`. @default process.cwd() */
  root?: string
  /** Overrides the cache directory. */
  cacheDir?: string
  signal?: AbortSignal
}

/** One suite on one mirror, e.g. `bookworm-security` on `debian-security`. */
export interface SuiteRef {
  suite: string
  mirror: MirrorName
}

export interface Release extends SuiteRef {
  /** The Release `Date:` in unix seconds. */
  date: number
  /** Index path (relative to `dists/<suite>/`) -> sha256 and size. */
  files: Map<string, { sha256: string; size: number }>
}

/** One binary package stanza, reduced to what locks need. */
export interface BinaryEntry {
  name: string
  version: string
  arch: string
  /** Pool path, e.g. `pool/main/r/redis/redis-server_7.0.15-1~deb12u1_amd64.deb`. */
  filename: string
  sha256: string
  size: number
}

/** One source package stanza, reduced to what locks need. */
export interface SourceEntry {
  name: string
  version: string
  directory: string
  files: { name: string; sha256: string; size: number }[]
}

/** A suite with its release date and one parsed index. */
export interface IndexedSuite<T> extends SuiteRef {
  date: number
  entries: Map<string, T[]>
}

/** The suites a lookup in `suite` considers: the suite, -updates and -security; a suffixed suite stands alone. */
export function suitesFor(suite: string): SuiteRef[] {
  if (suite.endsWith('-security')) return [{ suite, mirror: 'debian-security' }]
  if (suite.includes('-')) return [{ suite, mirror: 'debian' }]
  return [
    { suite, mirror: 'debian' },
    { suite: `${suite}-updates`, mirror: 'debian' },
    { suite: `${suite}-security`, mirror: 'debian-security' },
  ]
}

/** The Debian architecture of a platform (`linux/arm64` -> `arm64`); the first configured one by default. */
export function debianArch(config: Pick<Config, 'platforms'>, platform = config.platforms[0]): string {
  const arch = (platform ?? 'linux/amd64').split('/')[1] ?? 'amd64'
  return arch === 'x86_64' ? 'amd64' : arch
}

function cacheDir(opts: IndexOptions): string {
  return opts.cacheDir ?? join(opts.root ?? process.cwd(), '.atelier/cache/debian')
}

function distsUrl(config: Pick<Config, 'debian'>, ref: SuiteRef, path: string): string {
  return resolveUrl(`${ref.mirror}:dists/${ref.suite}/${path}`, config)
}

// Per-process memo: a Release once per run (it is what moves), a parsed index once per sha256.
const releases = new Map<string, Promise<Release | undefined>>()
const parsed = new Map<string, Promise<Map<string, unknown[]>>>()

/** Parse a Release file's `Date:` and `SHA256:` list. */
export function parseRelease(text: string, ref: SuiteRef): Release {
  const files = new Map<string, { sha256: string; size: number }>()
  let date = Number.NaN
  let inSha = false
  for (const line of text.split('\n')) {
    if (line.startsWith(' ')) {
      if (!inSha) continue
      const [sha256, size, path] = line.trim().split(/\s+/)
      if (sha256 && size && path) files.set(path, { sha256, size: Number(size) })
      continue
    }
    inSha = line.startsWith('SHA256:')
    if (line.startsWith('Date:')) date = Math.floor(Date.parse(line.slice(5).trim()) / 1000)
  }
  if (Number.isNaN(date))
    throw new UpstreamError(
      `Release of ${ref.suite} has no readable Date:`,
      'check that config.debian mirrors point at a Debian archive',
    )
  return { ...ref, date, files }
}

/** The suite's Release, or undefined when the mirror has no such suite (404). */
export function fetchRelease(
  config: Pick<Config, 'debian'>,
  ref: SuiteRef,
  opts: IndexOptions = {},
): Promise<Release | undefined> {
  const url = distsUrl(config, ref, 'Release')
  let p = releases.get(url)
  if (!p) {
    p = (async () => {
      const res = await fetch(url, opts.signal ? { signal: opts.signal } : {})
      if (res.status === 404) {
        await res.body?.cancel()
        return undefined
      }
      if (!res.ok) throw new FetchError(url, `HTTP ${res.status} ${res.statusText}`, res.status)
      return parseRelease(await res.text(), ref)
    })()
    p.catch(() => releases.delete(url))
    releases.set(url, p)
  }
  return p
}

/** Decompressed bytes of a cached index file. */
function decompress(path: string, kind: 'gz' | 'xz' | ''): Readable {
  if (kind === 'gz') return createReadStream(path).pipe(createGunzip())
  if (kind === '') return createReadStream(path)
  const child = spawn('xz', ['-dc', path], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  child.on('close', (code) => {
    if (code !== 0) child.stdout.destroy(new CommandError(['xz', '-dc', path], code, stderr.slice(-2000)))
  })
  return child.stdout
}

/**
 * Stream deb822 stanzas, keeping only `wanted` fields (multi-line values joined with '\n'): the
 * Packages index is ~50 MB, so nothing else is kept.
 */
async function* stanzas(input: Readable, wanted: Set<string>): AsyncGenerator<Map<string, string>> {
  let rest = ''
  let cur = new Map<string, string>()
  let field: string | undefined
  const decoder = new TextDecoder()
  const line = (l: string): Map<string, string> | undefined => {
    if (l === '') {
      field = undefined
      if (cur.size === 0) return undefined
      const done = cur
      cur = new Map()
      return done
    }
    if (l.startsWith(' ') || l.startsWith('\t')) {
      if (field !== undefined) cur.set(field, `${cur.get(field)}\n${l.trim()}`)
      return undefined
    }
    const colon = l.indexOf(':')
    const key = l.slice(0, colon)
    if (colon > 0 && wanted.has(key)) {
      field = key
      cur.set(key, l.slice(colon + 1).trim())
    } else field = undefined
    return undefined
  }
  for await (const chunk of input) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array, { stream: true })
    let nl = rest.indexOf('\n')
    let start = 0
    while (nl >= 0) {
      const s = line(rest.slice(start, nl))
      if (s) yield s
      start = nl + 1
      nl = rest.indexOf('\n', start)
    }
    rest = rest.slice(start)
  }
  rest += decoder.decode()
  for (const l of [...rest.split('\n'), '']) {
    const s = line(l)
    if (s) yield s
  }
}

const BINARY_FIELDS = new Set(['Package', 'Version', 'Architecture', 'Filename', 'SHA256', 'Size'])
const SOURCE_FIELDS = new Set(['Package', 'Version', 'Directory', 'Checksums-Sha256'])

function binaryEntry(s: Map<string, string>): BinaryEntry | undefined {
  const name = s.get('Package')
  const version = s.get('Version')
  const filename = s.get('Filename')
  const sha256 = s.get('SHA256')
  if (!name || !version || !filename || !sha256) return undefined
  return {
    name,
    version,
    arch: s.get('Architecture') ?? '',
    filename,
    sha256,
    size: Number(s.get('Size') ?? 0),
  }
}

function sourceEntry(s: Map<string, string>): SourceEntry | undefined {
  const name = s.get('Package')
  const version = s.get('Version')
  const directory = s.get('Directory')
  const sums = s.get('Checksums-Sha256')
  if (!name || !version || !directory || !sums) return undefined
  const files: SourceEntry['files'] = []
  for (const l of sums.split('\n')) {
    const [sha256, size, file] = l.trim().split(/\s+/)
    if (sha256 && size && file) files.push({ name: file, sha256, size: Number(size) })
  }
  return { name, version, directory, files }
}

/**
 * One index of a suite (`main/binary-amd64/Packages` or `main/source/Sources`), fetched in the best
 * compression the Release lists (.gz, then .xz, then plain), verified, cached and parsed once.
 */
async function loadIndex<T extends { name: string }>(
  config: Pick<Config, 'debian'>,
  release: Release,
  path: string,
  kind: 'binary' | 'source',
  opts: IndexOptions,
): Promise<Map<string, T[]> | undefined> {
  const ext = (['gz', 'xz', ''] as const).find((e) => release.files.has(e ? `${path}.${e}` : path))
  if (ext === undefined) return undefined
  const file = ext ? `${path}.${ext}` : path
  const { sha256 } = release.files.get(file) as { sha256: string }
  let p = parsed.get(sha256)
  if (!p) {
    p = parseCached(config, release, file, sha256, ext, kind, opts)
    p.catch(() => parsed.delete(sha256))
    parsed.set(sha256, p)
  }
  return (await p) as Map<string, T[]>
}

async function parseCached(
  config: Pick<Config, 'debian'>,
  release: Release,
  file: string,
  sha256: string,
  ext: 'gz' | 'xz' | '',
  kind: 'binary' | 'source',
  opts: IndexOptions,
): Promise<Map<string, unknown[]>> {
  const dir = cacheDir(opts)
  const json = join(dir, 'parsed', `${sha256}.${kind}.${PARSED_VERSION}.json`)
  let list: unknown[] | undefined
  try {
    list = JSON.parse(await readFile(json, 'utf8')) as unknown[]
  } catch {
    list = undefined
  }
  if (list === undefined) {
    // The store verifies the download against the Release's sha256 and keeps it by that hash.
    const store = new Store(dir, { config })
    const raw = await store.fetch(
      `${release.mirror}:dists/${release.suite}/${file}`,
      sha256,
      opts.signal ? { signal: opts.signal } : {},
    )
    list = []
    const fields = kind === 'binary' ? BINARY_FIELDS : SOURCE_FIELDS
    for await (const s of stanzas(decompress(raw, ext), fields)) {
      const e = kind === 'binary' ? binaryEntry(s) : sourceEntry(s)
      if (e) list.push(e)
    }
    await mkdir(join(dir, 'parsed'), { recursive: true })
    const tmp = `${json}.${process.pid}.${Date.now()}.tmp`
    await writeFile(tmp, JSON.stringify(list))
    await rename(tmp, json)
  }
  const byName = new Map<string, unknown[]>()
  for (const e of list as { name: string }[]) {
    const l = byName.get(e.name)
    if (l) l.push(e)
    else byName.set(e.name, [e])
  }
  return byName
}

async function indexedSuites<T extends { name: string }>(
  config: Pick<Config, 'debian'>,
  suite: string,
  indexPath: (component: string) => string,
  kind: 'binary' | 'source',
  opts: IndexOptions,
): Promise<IndexedSuite<T>[]> {
  const refs = suitesFor(suite)
  const out = await Promise.all(
    refs.map(async (ref, i) => {
      const release = await fetchRelease(config, ref, opts)
      if (!release) {
        if (i === 0)
          throw new UpstreamError(
            `no suite ${ref.suite} at ${resolveUrl(`${ref.mirror}:dists/${ref.suite}/`, config)}`,
            'check config.debian.suite and the mirrors in config/site.cue',
          )
        return undefined
      }
      const entries = new Map<string, T[]>()
      for (const component of config.debian.components) {
        const idx = await loadIndex<T>(config, release, indexPath(component), kind, opts)
        for (const [name, list] of idx ?? []) entries.set(name, [...(entries.get(name) ?? []), ...list])
      }
      return { ...ref, date: release.date, entries }
    }),
  )
  return out.filter((s): s is IndexedSuite<T> => s !== undefined)
}

/** Binary package indexes of `suite` (and its -updates/-security) for one architecture. */
export function binaryIndexes(
  config: Pick<Config, 'debian'>,
  suite: string,
  arch: string,
  opts: IndexOptions = {},
): Promise<IndexedSuite<BinaryEntry>[]> {
  return indexedSuites<BinaryEntry>(config, suite, (c) => `${c}/binary-${arch}/Packages`, 'binary', opts)
}

/** Source package indexes of `suite` (and its -updates/-security). */
export function sourceIndexes(
  config: Pick<Config, 'debian'>,
  suite: string,
  opts: IndexOptions = {},
): Promise<IndexedSuite<SourceEntry>[]> {
  return indexedSuites<SourceEntry>(config, suite, (c) => `${c}/source/Sources`, 'source', opts)
}

/** The newest entry named `name` across suites; on equal versions the earlier suite (the base) wins. */
export function newest<T extends { name: string; version: string }>(
  suites: IndexedSuite<T>[],
  name: string,
  accept: (e: T) => boolean = () => true,
): { suite: IndexedSuite<T>; entry: T } | undefined {
  let best: { suite: IndexedSuite<T>; entry: T } | undefined
  for (const suite of suites) {
    for (const entry of suite.entries.get(name) ?? []) {
      if (!accept(entry)) continue
      if (!best || compareDebianVersions(entry.version, best.entry.version) > 0) best = { suite, entry }
    }
  }
  return best
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/**
 * Pin the newest .deb of a binary package across the suite, -updates and -security.
 * @example await resolveDebianPackage(config, { name: 'tzdata' }) // { version: '2026f-0+deb12u1', files: [...] }
 */
export async function resolveDebianPackage(
  config: Pick<Config, 'debian' | 'platforms'>,
  spec: { name: string; suite?: string; arch?: string },
  opts: IndexOptions = {},
): Promise<LockedDebianPackage> {
  const suite = spec.suite ?? config.debian.suite
  const arch = spec.arch ?? debianArch(config)
  const suites = await binaryIndexes(config, suite, arch, opts)
  const hit = newest(suites, spec.name)
  if (!hit)
    throw new UpstreamError(
      `no binary package ${spec.name} for ${arch} in ${suites.map((s) => s.suite).join(', ')}`,
      'check the package name (it is the binary package, e.g. redis-server) and config.debian.components',
    )
  const e = hit.entry
  return {
    kind: 'debian-package',
    name: e.name,
    arch,
    suite: hit.suite.suite,
    version: e.version,
    date: hit.suite.date,
    files: [
      {
        name: basename(e.filename),
        url: `${hit.suite.mirror}:${e.filename}`,
        sha256: e.sha256,
        size: e.size,
      },
    ],
  }
}

/** Upstream tarballs of a source package: `*.orig.tar.*` and `*.orig-<component>.tar.*`, no signatures. */
export function isOrigTarball(name: string): boolean {
  return /\.orig(-[A-Za-z0-9-]+)?\.tar\.[a-z0-9]+$/.test(name)
}

/**
 * Pin the newest version of a source package across the suite, -updates and -security: its upstream
 * tarball(s) by default (a native package's only tarball), or every file with `files: 'all'`.
 * @example await resolveDebianSource(config, { name: 'redis' }) // files: [redis_7.0.15.orig.tar.gz]
 */
export async function resolveDebianSource(
  config: Pick<Config, 'debian'>,
  spec: { name: string; suite?: string; files?: 'orig' | 'all' },
  opts: IndexOptions = {},
): Promise<LockedDebianSource> {
  const suite = spec.suite ?? config.debian.suite
  const suites = await sourceIndexes(config, suite, opts)
  const hit = newest(suites, spec.name)
  if (!hit)
    throw new UpstreamError(
      `no source package ${spec.name} in ${suites.map((s) => s.suite).join(', ')}`,
      'check the name: it is the source package (e.g. redis, not redis-server)',
    )
  const e = hit.entry
  let chosen = e.files
  if ((spec.files ?? 'orig') === 'orig') {
    const orig = e.files.filter((f) => isOrigTarball(f.name))
    chosen = orig.length > 0 ? orig : e.files.filter((f) => /\.tar\.[a-z0-9]+$/.test(f.name))
  }
  // A security upload reuses the upstream tarball of the release, and debian-security does not always
  // serve it (haproxy_2.6.12.orig.tar.gz answers 404 there): take a file from the main archive when
  // an entry there lists the same name and sha256.
  const elsewhere = (f: { name: string; sha256: string }): string | undefined => {
    for (const s of suites) {
      if (s === hit.suite || s.mirror !== 'debian') continue
      for (const other of s.entries.get(spec.name) ?? []) {
        if (other.files.some((g) => g.name === f.name && g.sha256 === f.sha256))
          return `${s.mirror}:${other.directory}/${f.name}`
      }
    }
    return undefined
  }
  const files: PinFile[] = chosen
    .map((f) => ({
      name: f.name,
      url:
        (hit.suite.mirror === 'debian' ? undefined : elsewhere(f)) ??
        `${hit.suite.mirror}:${e.directory}/${f.name}`,
      sha256: f.sha256,
      size: f.size,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return {
    kind: 'debian-source',
    name: e.name,
    suite: hit.suite.suite,
    version: e.version,
    date: hit.suite.date,
    files,
  }
}

// Alpine: the minirootfs of a branch (latest-releases.yaml, which carries the sha256) and packages from a
// repository's APKINDEX.tar.gz, on the mirror in config alpine.mirror.
import { gunzipSync } from 'node:zlib'
import tar from 'tar-stream'
import YAML from 'yaml'
import type { Config } from '../config.ts'
import { UpstreamError } from '../errors.ts'
import type { LockedUrl } from '../pin.ts'
import { compareAlpineVersions } from '../versions.ts'
import { dateFor, type RefreshContext } from './context.ts'
import { download, getBytes, getText } from './http.ts'

/** Alpine's name for a platform's architecture (`linux/amd64` -> `x86_64`). */
export function alpineArch(platform: string): string {
  const arch = platform.split('/')[1] ?? platform
  return { amd64: 'x86_64', arm64: 'aarch64', '386': 'x86', arm: 'armv7' }[arch] ?? arch
}

export interface AlpineRelease {
  flavor: string
  version: string
  file: string
  sha256: string
  size?: number
  /** Release date (unix seconds). */
  date?: number
}

function mirror(config: Pick<Config, 'alpine'>): string {
  return config.alpine.mirror.replace(/\/+$/, '')
}

interface AlpineOpts {
  /** @default config alpine.branch */
  branch?: string
  /** Alpine arch; @default from config platforms[0] */
  arch?: string
}

function where(
  config: Pick<Config, 'alpine' | 'platforms'>,
  opts: AlpineOpts,
): { branch: string; arch: string } {
  return {
    branch: opts.branch ?? config.alpine.branch,
    arch: opts.arch ?? alpineArch(config.platforms[0] ?? 'linux/amd64'),
  }
}

/** Every entry of `<mirror>/<branch>/releases/<arch>/latest-releases.yaml`. */
export async function alpineReleases(
  config: Pick<Config, 'alpine' | 'platforms' | 'refresh'>,
  opts: AlpineOpts = {},
): Promise<AlpineRelease[]> {
  const { branch, arch } = where(config, opts)
  const url = `${mirror(config)}/${branch}/releases/${arch}/latest-releases.yaml`
  let doc: unknown
  try {
    doc = YAML.parse(await getText(config, url))
  } catch (e) {
    if (e instanceof UpstreamError) throw e
    throw new UpstreamError(`alpine: ${url} is not YAML: ${(e as Error).message}`)
  }
  if (!Array.isArray(doc)) throw new UpstreamError(`alpine: ${url} is not a list of releases`)
  return (doc as Record<string, unknown>[]).map((r) => {
    const t = Date.parse(`${String(r.date ?? '')}T${String(r.time ?? '00:00:00')}Z`)
    return {
      flavor: String(r.flavor ?? ''),
      version: String(r.version ?? ''),
      file: String(r.file ?? ''),
      sha256: String(r.sha256 ?? ''),
      ...(typeof r.size === 'number' ? { size: r.size } : {}),
      ...(Number.isFinite(t) ? { date: Math.floor(t / 1000) } : {}),
    }
  })
}

/**
 * The branch's current minirootfs tarball, pinned by the sha256 the release file carries (run.ts
 * downloads it into the store and verifies it).
 * @example rootfs: (ctx) => alpineMinirootfs(ctx)
 */
export async function alpineMinirootfs(ctx: RefreshContext, opts: AlpineOpts = {}): Promise<LockedUrl> {
  const { branch, arch } = where(ctx.config, opts)
  const releases = await alpineReleases(ctx.config, { branch, arch })
  const r = releases
    .filter((x) => x.flavor === 'alpine-minirootfs')
    .sort((a, b) => compareAlpineVersions(a.version, b.version))
    .pop()
  if (!r)
    throw new UpstreamError(`alpine: no alpine-minirootfs in ${branch}/releases/${arch}/latest-releases.yaml`)
  if (!/^[0-9a-f]{64}$/.test(r.sha256))
    throw new UpstreamError(`alpine: the minirootfs entry of ${branch}/${arch} has no sha256`)
  return {
    kind: 'url',
    version: r.version,
    date: dateFor(ctx, r.version, r.date),
    files: [
      {
        name: r.file,
        url: `${mirror(ctx.config)}/${branch}/releases/${arch}/${r.file}`,
        sha256: r.sha256,
        ...(r.size !== undefined ? { size: r.size } : {}),
      },
    ],
  }
}

export interface ApkEntry {
  name: string
  version: string
  arch: string
  /** `Q1` + base64 sha1 of the package's control segment, as APKINDEX gives it. */
  checksum: string
  size?: number
  /** Build time (unix seconds). */
  buildTime?: number
  origin?: string
}

/** Parse the text of an APKINDEX file (stanzas of `X:value` lines). */
export function parseApkIndex(text: string): ApkEntry[] {
  const out: ApkEntry[] = []
  for (const stanza of text.split(/\n\s*\n/)) {
    const f: Record<string, string> = {}
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z]):(.*)$/.exec(line)
      if (m) f[m[1]!] = m[2]!
    }
    if (!f.P || !f.V) continue
    out.push({
      name: f.P,
      version: f.V,
      arch: f.A ?? '',
      checksum: f.C ?? '',
      ...(f.S ? { size: Number(f.S) } : {}),
      ...(f.t ? { buildTime: Number(f.t) } : {}),
      ...(f.o ? { origin: f.o } : {}),
    })
  }
  return out
}

/** The APKINDEX text inside an APKINDEX.tar.gz (a gzip of tar segments: signature, then the index). */
export async function apkIndexText(targz: Uint8Array): Promise<string> {
  const raw = gunzipSync(targz)
  const extract = tar.extract()
  let text: string | undefined
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = []
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer))
      stream.on('end', () => {
        if (header.name === 'APKINDEX') text = Buffer.concat(chunks).toString('utf8')
        next()
      })
      stream.resume()
    })
    extract.on('finish', resolve)
    extract.on('error', reject)
  })
  extract.end(raw)
  await done
  if (text === undefined) throw new UpstreamError('alpine: APKINDEX.tar.gz holds no APKINDEX file')
  return text
}

/** Packages of `<mirror>/<branch>/<repo>/<arch>/APKINDEX.tar.gz`. */
export async function apkIndex(
  config: Pick<Config, 'alpine' | 'platforms' | 'refresh'>,
  opts: AlpineOpts & { repo?: string } = {},
): Promise<ApkEntry[]> {
  const { branch, arch } = where(config, opts)
  const url = `${mirror(config)}/${branch}/${opts.repo ?? 'main'}/${arch}/APKINDEX.tar.gz`
  try {
    return parseApkIndex(await apkIndexText(await getBytes(config, url)))
  } catch (e) {
    if (e instanceof UpstreamError) throw e
    throw new UpstreamError(`alpine: ${url}: ${(e as Error).message}`)
  }
}

/**
 * The newest `.apk` of an Alpine package, downloaded and pinned by sha256; APKINDEX's own checksum
 * is kept as the file's `integrity`.
 * @example busybox: (ctx) => alpinePackage(ctx, 'busybox-static')
 */
export async function alpinePackage(
  ctx: RefreshContext,
  name: string,
  opts: AlpineOpts & { repo?: string } = {},
): Promise<LockedUrl> {
  const { branch, arch } = where(ctx.config, opts)
  const repo = opts.repo ?? 'main'
  const entries = (await apkIndex(ctx.config, { branch, arch, repo })).filter((e) => e.name === name)
  const e = entries.sort((a, b) => compareAlpineVersions(a.version, b.version)).pop()
  if (!e) throw new UpstreamError(`alpine: no package ${name} in ${branch}/${repo}/${arch}`)
  const file = `${e.name}-${e.version}.apk`
  const url = `${mirror(ctx.config)}/${branch}/${repo}/${arch}/${file}`
  const prev = ctx.current?.kind === 'url' ? ctx.current.files[0] : undefined
  const same = prev && prev.url === url && prev.integrity === e.checksum && e.checksum !== ''
  const hashed = same ? prev : await download(ctx.config, ctx.store, url)
  return {
    kind: 'url',
    version: e.version,
    date: dateFor(ctx, e.version, e.buildTime),
    files: [{ name: file, url, sha256: hashed.sha256, size: hashed.size ?? 0, integrity: e.checksum }],
  }
}

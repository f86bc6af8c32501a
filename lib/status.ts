// Results that other commands leave on disk for `pnpm report`: what a build packed, what verify, the
// image tests, the audit and the bench found. Shapes, paths and read/write helpers live here so writers and the report agree.
import { createReadStream } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createGunzip } from 'node:zlib'
import { AtelierError } from './errors.ts'
import type { ImageResult } from './imagetest.ts'
import { writeAtomic } from './lock.ts'
import { readImage } from './oci/image.ts'
import { blobPath } from './oci/layer.ts'
import type { Finding } from './refresh/audit.ts'

/** Where each result lives, relative to the build directory (`config.buildDir`) or the repository root. */
export const STATUS_PATHS = {
  /** Written by the build after packing: `{ key, digest, bytes }`. */
  marker: (buildDir: string, image: string): string => join(buildDir, 'oci', image, 'atelier.json'),
  layout: (buildDir: string, image: string): string => join(buildDir, 'oci', image),
  verify: (buildDir: string, image: string): string => join(buildDir, 'verify', `${image}.json`),
  test: (buildDir: string, image: string): string => join(buildDir, 'test-results', `${image}.json`),
  audit: (buildDir: string): string => join(buildDir, 'audit.json'),
  /** Relative to the repository root: bench results are committed. */
  bench: (root: string): string => join(root, 'bench', 'results', 'latest.json'),
} as const

/** What `build/oci/<image>/` holds after a build. */
export interface BuiltStatus {
  /** The cache key the image was built from; differs from the current plan's key when it is stale. */
  key: string
  digest: string
  layers: number
  /** Sum of the (gzip) layer sizes in the manifest. */
  compressed: number
  /** Sum of the uncompressed layer tars, when counted. */
  uncompressed?: number
}

/** `pnpm verify <image>` writes this to `build/verify/<image>.json` (the shape of lib/verify.ts's result). */
export interface VerifyStatus {
  image: string
  /** Manifest digest of the first build. */
  first: string
  /** Manifest digest of the second, from-nothing build. */
  second: string
  reproduced: boolean
  /** diffoscope's summary when the digests differ. */
  diff?: string
  /** When it ran (unix seconds). */
  at?: number
}

/** One check of an image test, as lib/imagetest.ts reports it. */
export interface TestCheck {
  status: 'ok' | 'failed' | 'skipped'
  detail?: string
}

/**
 * `pnpm test:images` writes this to `build/test-results/<image>.json`: lib/imagetest.ts's ImageResult
 * plus when it ran (see testStatusOf). Checks are keyed by name: `healthy`, `metrics`, `test`, `stop`, `structure`.
 */
export interface TestStatus {
  image: string
  /** Every check passed. */
  ok: boolean
  /** The image reference tested. */
  ref?: string
  /** Manifest digest of the image tested, when known. */
  digest?: string
  /** When it ran (unix seconds). */
  at?: number
  seconds?: number
  checks?: Record<string, TestCheck>
}

/** A newer package version available in a suite (bookworm-security, bookworm-updates) than the lock holds. */
export interface AuditUpdate {
  /** The pin of the image's lock that holds the package. */
  pin?: string
  package: string
  locked: string
  available: string
  suite: string
}

/**
 * `pnpm audit` writes this to `build/audit.json` (see auditStatusOf). Every audited image has an entry,
 * with no updates when nothing is newer; an image without one was not audited.
 */
export interface AuditStatus {
  /** When it ran (unix seconds). */
  at?: number
  images: Record<string, { updates: AuditUpdate[] }>
}

/** `bench/results/latest.json`, written by `pnpm bench`; only the fields the report reads. */
export interface BenchResults {
  /** Per image: the size of a conventional image of the same app (e.g. FROM debian + apt-get install), in bytes. */
  sizes?: Record<string, { conventional?: number }>
}

/** A result file that exists but does not have the documented shape. */
export class StatusError extends AtelierError {
  constructor(path: string, message: string) {
    super('E_STATUS', `${path}: ${message}`, {
      hint: 'delete the file and run the command that writes it again (see lib/status.ts for its shape)',
    })
  }
}

async function readJsonIf(path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new StatusError(path, `not JSON (${(e as Error).message})`)
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Checks `fields` of `v` have the given `typeof`; `?` marks optional ones. Throws naming the field. */
function expectShape(path: string, v: unknown, fields: Record<string, string>): Record<string, unknown> {
  if (!isObject(v)) throw new StatusError(path, 'expected a JSON object')
  for (const [field, type] of Object.entries(fields)) {
    const optional = type.endsWith('?')
    const t = optional ? type.slice(0, -1) : type
    const value = v[field]
    if (value === undefined && optional) continue
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value
    if (actual !== t) throw new StatusError(path, `${field}: expected ${t}, found ${actual}`)
  }
  return v
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeAtomic(path, `${JSON.stringify(value, null, 2)}\n`)
}

/** Bytes of a gzip blob once gunzipped (streamed; nothing is kept). */
async function gunzippedSize(path: string): Promise<number> {
  let n = 0
  for await (const chunk of createReadStream(path).pipe(createGunzip())) n += (chunk as Buffer).byteLength
  return n
}

/**
 * The packed image of `image` under the build directory, or undefined when none was built.
 * `uncompressed` gunzips each layer once (`sizes` caches by digest: bases' layers are shared).
 */
export async function readBuilt(
  buildDir: string,
  image: string,
  opts: { uncompressed?: boolean; sizes?: Map<string, Promise<number>> } = {},
): Promise<BuiltStatus | undefined> {
  const markerPath = STATUS_PATHS.marker(buildDir, image)
  const marker = await readJsonIf(markerPath)
  if (marker === undefined) return undefined
  const m = expectShape(markerPath, marker, { key: 'string', digest: 'string' })
  const layout = STATUS_PATHS.layout(buildDir, image)
  const img = await readImage(layout)
  const out: BuiltStatus = {
    key: m.key as string,
    digest: img.manifestDigest,
    layers: img.layers.length,
    compressed: img.layers.reduce((n, l) => n + l.size, 0),
  }
  if (opts.uncompressed) {
    const sizes = opts.sizes ?? new Map<string, Promise<number>>()
    let total = 0
    for (const l of img.layers) {
      let size = sizes.get(l.digest)
      if (!size) {
        size = gunzippedSize(blobPath(layout, l.digest))
        sizes.set(l.digest, size)
      }
      total += await size
    }
    out.uncompressed = total
  }
  return out
}

export async function readVerifyStatus(buildDir: string, image: string): Promise<VerifyStatus | undefined> {
  const path = STATUS_PATHS.verify(buildDir, image)
  const v = await readJsonIf(path)
  if (v === undefined) return undefined
  expectShape(path, v, {
    image: 'string',
    first: 'string',
    second: 'string',
    reproduced: 'boolean',
    diff: 'string?',
    at: 'number?',
  })
  return v as unknown as VerifyStatus
}

export async function writeVerifyStatus(buildDir: string, status: VerifyStatus): Promise<void> {
  await writeJson(STATUS_PATHS.verify(buildDir, status.image), status)
}

export async function readTestStatus(buildDir: string, image: string): Promise<TestStatus | undefined> {
  const path = STATUS_PATHS.test(buildDir, image)
  const v = await readJsonIf(path)
  if (v === undefined) return undefined
  const t = expectShape(path, v, {
    image: 'string',
    ok: 'boolean',
    ref: 'string?',
    digest: 'string?',
    at: 'number?',
    seconds: 'number?',
    checks: 'object?',
  })
  for (const [name, c] of Object.entries((t.checks as Record<string, unknown> | undefined) ?? {})) {
    expectShape(`${path} checks.${name}`, c, { status: 'string', detail: 'string?' })
    const status = (c as { status: string }).status
    if (!['ok', 'failed', 'skipped'].includes(status))
      throw new StatusError(path, `checks.${name}.status: expected ok, failed or skipped, found "${status}"`)
  }
  return v as unknown as TestStatus
}

export async function writeTestStatus(buildDir: string, status: TestStatus): Promise<void> {
  await writeJson(STATUS_PATHS.test(buildDir, status.image), status)
}

export async function readAudit(buildDir: string): Promise<AuditStatus | undefined> {
  const path = STATUS_PATHS.audit(buildDir)
  const v = await readJsonIf(path)
  if (v === undefined) return undefined
  const a = expectShape(path, v, { at: 'number?', images: 'object' })
  for (const [name, entry] of Object.entries(a.images as Record<string, unknown>)) {
    const e = expectShape(`${path} images.${name}`, entry, { updates: 'array' })
    for (const [i, u] of (e.updates as unknown[]).entries())
      expectShape(`${path} images.${name}.updates[${i}]`, u, {
        pin: 'string?',
        package: 'string',
        locked: 'string',
        available: 'string',
        suite: 'string',
      })
  }
  return v as unknown as AuditStatus
}

export async function writeAudit(buildDir: string, audit: AuditStatus): Promise<void> {
  await writeJson(STATUS_PATHS.audit(buildDir), audit)
}

export async function readBench(root: string): Promise<BenchResults | undefined> {
  const path = STATUS_PATHS.bench(root)
  const v = await readJsonIf(path)
  if (v === undefined) return undefined
  const b = expectShape(path, v, { sizes: 'object?' })
  for (const [name, s] of Object.entries((b.sizes as Record<string, unknown> | undefined) ?? {}))
    expectShape(`${path} sizes.${name}`, s, { conventional: 'number?' })
  return v as BenchResults
}

/** The result file of one image test (lib/imagetest.ts's ImageResult) stamped with when it ran. */
export function testStatusOf(result: ImageResult, at: number, digest?: string): TestStatus {
  return { ...result, at, ...(digest ? { digest } : {}) }
}

/** build/audit.json from `pnpm audit`'s findings: an entry for every audited image, security updates listed. */
export function auditStatusOf(findings: Finding[], audited: string[], at: number): AuditStatus {
  const images: AuditStatus['images'] = {}
  for (const name of [...audited].sort()) images[name] = { updates: [] }
  for (const f of findings) {
    if (f.kind !== 'security') continue
    const entry = images[f.image] ?? { updates: [] }
    entry.updates.push({
      pin: f.pin,
      package: f.package,
      locked: f.locked,
      available: f.available,
      suite: f.suite,
    })
    images[f.image] = entry
  }
  return { at, images }
}

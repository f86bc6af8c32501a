// Turns any tar (ustar/pax/gnu, plain or gzip) into a normalised, bit-for-bit reproducible OCI layer blob:
// sorted entries, fixed times and owner names, then gzip, written atomically under blobs/sha256/.
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, open, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import tar from 'tar-stream'
import { AtelierError } from '../errors.ts'

export const LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip'

/** Fixed so that the same tar always gives the same gzip bytes (for a given Node major). */
export const GZIP_LEVEL = 6

export interface Layer {
  /** `sha256:<hex>` of the gzip blob. */
  digest: string
  /** `sha256:<hex>` of the uncompressed tar (what the image config's rootfs lists). */
  diffId: string
  /** Size of the gzip blob in bytes. */
  size: number
  mediaType: string
}

export interface LayerOptions {
  /** SOURCE_DATE_EPOCH in seconds: every entry's mtime. */
  epoch: number
  /** Keep mtimes older than `epoch` instead of setting all to `epoch` (newer ones are still clamped). */
  clamp?: boolean
  /**
   * Owners decided by the image, not by the engine: called with each entry's path (no leading `/`,
   * no trailing `/`), returns [uid, gid]. BuildKit's cache ignores ownership, so a warm build can
   * carry owners from an older build; declared owners make the layer independent of that.
   */
  owner?: (path: string) => [number, number]
}

const CHUNK = 1 << 20

type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'fifo'

/** What the first pass keeps of an entry: its header, and where its bytes were spilled. */
interface Entry {
  name: string
  type: EntryType
  mode: number
  uid: number
  gid: number
  mtime: number
  linkname?: string
  size: number
  /** Offset of the contents in the spill file. */
  offset: number
}

/** Raised for tars the packer cannot read (corrupt, xz-compressed, ...). */
export class LayerError extends AtelierError {
  constructor(message: string, hint: string, cause?: unknown) {
    super('E_LAYER', message, { hint, cause })
  }
}

/** `./usr/bin/` -> `usr/bin`; `''` for the root itself. */
function cleanPath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.')
  return parts.join('/')
}

/** Path order that walks a tree depth-first: parents before children, siblings by name. */
export function comparePaths(a: string, b: string): number {
  const pa = a.split('/')
  const pb = b.split('/')
  const n = Math.min(pa.length, pb.length)
  for (let i = 0; i < n; i++) {
    const x = pa[i]!
    const y = pb[i]!
    if (x !== y) return x < y ? -1 : 1
  }
  return pa.length - pb.length
}

/** Opens `tarPath`, gunzipping when it starts with the gzip magic. */
async function openTar(tarPath: string): Promise<Readable> {
  const fh = await open(tarPath, 'r')
  const magic = new Uint8Array(6)
  try {
    await fh.read(magic, 0, 6, 0)
  } finally {
    await fh.close()
  }
  if (magic[0] === 0xfd && magic[1] === 0x37 && magic[2] === 0x7a)
    throw new LayerError(`${tarPath} is xz-compressed`, 'give the packer a plain or gzip tar (unxz it first)')
  const raw = createReadStream(tarPath)
  if (magic[0] === 0x1f && magic[1] === 0x8b) return raw.pipe(createGunzip())
  return raw
}

/**
 * First pass: read every header, spill contents to one temp file in input order. Memory holds only
 * the headers, so a 500 MB rootfs costs a few MB of RAM (and its size in temp disk).
 */
async function collect(tarPath: string, spillPath: string): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>()
  const spill = createWriteStream(spillPath)
  let offset = 0
  const extract = tar.extract()
  const done = (async () => {
    for await (const stream of extract) {
      const h = stream.header
      const name = cleanPath(h.name)
      let size = 0
      const start = offset
      if (h.type === 'file' || h.type === 'contiguous-file') {
        for await (const chunk of stream) {
          const buf = chunk as Uint8Array
          size += buf.byteLength
          if (!spill.write(buf)) await new Promise<void>((r) => spill.once('drain', () => r()))
        }
        offset += size
      } else {
        stream.resume()
      }
      // The root directory is implied; devices are the engine's business, not a layer's.
      if (name === '') continue
      const type = h.type === 'contiguous-file' ? 'file' : h.type
      if (type !== 'file' && type !== 'directory' && type !== 'symlink' && type !== 'link' && type !== 'fifo')
        continue
      // A later entry for the same path wins, as when extracting.
      entries.delete(name)
      entries.set(name, {
        name,
        type,
        mode: h.mode ?? (type === 'directory' ? 0o755 : 0o644),
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        mtime: h.mtime ? Math.floor(h.mtime.getTime() / 1000) : 0,
        ...(type === 'link' ? { linkname: cleanPath(h.linkname ?? '') } : {}),
        ...(type === 'symlink' ? { linkname: h.linkname ?? '' } : {}),
        size,
        offset: start,
      })
    }
  })()
  try {
    await Promise.all([pipeline(await openTar(tarPath), extract), done])
  } catch (e) {
    spill.destroy()
    if (e instanceof AtelierError) throw e
    throw new LayerError(
      `cannot read ${tarPath} as a tar: ${(e as Error).message}`,
      'check that the engine export finished',
      e,
    )
  }
  await new Promise<void>((resolve, reject) =>
    spill.end((err?: Error | null) => (err ? reject(err) : resolve())),
  )
  return entries
}

/**
 * A hard link must come after the file it names. After sorting, the first path of each link group
 * carries the contents and the others link to it, whichever of them the input called the target.
 */
function relink(entries: Map<string, Entry>): Entry[] {
  const target = (e: Entry): Entry | undefined => {
    let cur: Entry | undefined = e
    for (let i = 0; cur?.type === 'link' && i < 64; i++) cur = entries.get(cur.linkname ?? '')
    return cur?.type === 'file' ? cur : undefined
  }
  const groups = new Map<Entry, string[]>()
  for (const e of entries.values()) {
    if (e.type !== 'link') continue
    const t = target(e)
    if (!t) continue // dangling link: kept as is, as the input had it
    const g = groups.get(t) ?? [t.name]
    g.push(e.name)
    groups.set(t, g)
  }
  for (const [file, names] of groups) {
    names.sort(comparePaths)
    const [first, ...rest] = names
    entries.set(first!, { ...file, name: first! })
    for (const n of rest) entries.set(n, { ...file, name: n, type: 'link', linkname: first!, size: 0 })
  }
  return [...entries.values()].sort((a, b) => comparePaths(a.name, b.name))
}

/** Counts and hashes bytes passing through. */
function digester(): Transform & { hex: () => string; bytes: () => number } {
  const h = createHash('sha256')
  let n = 0
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk)
      n += chunk.byteLength
      cb(null, chunk)
    },
  })
  return Object.assign(t, { hex: () => h.digest('hex'), bytes: () => n })
}

/** Second pass: write the sorted entries, contents read back from the spill file. */
async function writeSorted(
  sorted: Entry[],
  spillPath: string,
  pack: tar.Pack,
  opts: LayerOptions,
): Promise<void> {
  const spill = await open(spillPath, 'r')
  try {
    for (const e of sorted) {
      const mtime = opts.clamp ? Math.min(e.mtime, opts.epoch) : opts.epoch
      const [uid, gid] = opts.owner ? opts.owner(e.name) : [e.uid, e.gid]
      const header: Partial<tar.Header> & { name: string } = {
        name: e.type === 'directory' ? `${e.name}/` : e.name,
        type: e.type,
        mode: e.mode & 0o7777,
        uid,
        gid,
        uname: '',
        gname: '',
        mtime: new Date(mtime * 1000),
        size: e.type === 'file' ? e.size : 0,
        ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      }
      // ustar's 7 octal digits stop at 262143; larger ids go in a pax record, as GNU tar does.
      if (uid > 0o777777 || gid > 0o777777) header.pax = { gid: String(gid), uid: String(uid) }
      let sink!: ReturnType<tar.Pack['entry']>
      const done = new Promise<void>((resolve, reject) => {
        sink = pack.entry(header, (err) => (err ? reject(err) : resolve()))
      })
      if (e.type === 'file' && e.size > 0) {
        // A fresh buffer per chunk: the pack stream may still hold the previous one.
        for (let pos = 0; pos < e.size; ) {
          const buf = new Uint8Array(Math.min(CHUNK, e.size - pos))
          const { bytesRead } = await spill.read(buf, 0, buf.byteLength, e.offset + pos)
          if (bytesRead !== buf.byteLength)
            throw new LayerError('short read from spill file', 'check free disk space in $TMPDIR')
          pos += bytesRead
          if (!sink.write(buf)) await new Promise<void>((r) => sink.once('drain', () => r()))
        }
      }
      sink.end(undefined)
      await done
    }
  } finally {
    await spill.close()
  }
  pack.finalize()
}

/**
 * Normalise the tar at `tarPath` into a gzip layer stored at `blobsDir/sha256/<hex>`.
 * Example: `await layerFromTar('app.tar', 'out/oci/blobs', { epoch: 1700000000 })`.
 */
export async function layerFromTar(tarPath: string, blobsDir: string, opts: LayerOptions): Promise<Layer> {
  await mkdir(join(blobsDir, 'sha256'), { recursive: true })
  const work = await mkdtemp(join(tmpdir(), 'atelier-layer-'))
  const spillPath = join(work, 'contents')
  const tmpBlob = join(blobsDir, 'sha256', `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`)
  try {
    const sorted = relink(await collect(tarPath, spillPath))
    const pack = tar.pack()
    const raw = digester()
    const gz = digester()
    await Promise.all([
      writeSorted(sorted, spillPath, pack, opts),
      pipeline(pack, raw, createGzip({ level: GZIP_LEVEL }), gz, createWriteStream(tmpBlob)),
    ])
    const hex = gz.hex()
    await rename(tmpBlob, join(blobsDir, 'sha256', hex))
    return {
      digest: `sha256:${hex}`,
      diffId: `sha256:${raw.hex()}`,
      size: gz.bytes(),
      mediaType: LAYER_MEDIA_TYPE,
    }
  } finally {
    await rm(tmpBlob, { force: true })
    await rm(work, { recursive: true, force: true })
  }
}

/** Path of a blob inside an OCI layout or a blobs dir's parent. */
export function blobPath(layoutDir: string, digest: string): string {
  const [alg, hex] = digest.split(':')
  return join(layoutDir, 'blobs', alg!, hex!)
}

/** Size in bytes of a stored blob, or undefined when absent. */
export async function blobSize(layoutDir: string, digest: string): Promise<number | undefined> {
  try {
    return (await stat(blobPath(layoutDir, digest))).size
  } catch {
    return undefined
  }
}

// The content-addressed store for fetched inputs: `<dir>/sha256/<hex>`, verified on download and on use,
// written atomically, safe for concurrent fetchers, and resumable after a kill (HTTP Range).
import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Config } from './config.ts'
import { resolveUrl } from './debian/mirror.ts'
import { AtelierError, FetchError, HashMismatchError } from './errors.ts'

const HEX = /^[0-9a-f]{64}$/

/** sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

function checkHex(sha256: string): string {
  const hex = sha256.replace(/^sha256:/, '').toLowerCase()
  if (!HEX.test(hex))
    throw new AtelierError('E_HASH', `not a sha256: ${JSON.stringify(sha256)}`, {
      hint: 'pins hold 64 lowercase hex digits',
    })
  return hex
}

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code
}

/** True when a process with this pid exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return errCode(e) === 'EPERM'
  }
}

/**
 * Fetches in flight in this process, per store folder: shared by every Store of that folder, so two
 * builds running at once (debian and toolchain both fetch dpkg's .deb) never race on one entry.
 */
const INFLIGHT = new Map<string, Map<string, Promise<string>>>()

export class Store {
  readonly dir: string
  readonly #config: Pick<Config, 'debian'> | undefined
  readonly #inflight: Map<string, Promise<string>>

  /**
   * @param dir the store root (config `storeDir`, relative to the repository).
   * @param opts.config resolves mirror-relative URLs (`debian:pool/...`).
   */
  constructor(dir: string, opts: { config?: Pick<Config, 'debian'> } = {}) {
    this.dir = dir
    this.#config = opts.config
    const key = resolve(dir)
    const shared = INFLIGHT.get(key) ?? new Map<string, Promise<string>>()
    INFLIGHT.set(key, shared)
    this.#inflight = shared
  }

  /** Where the file with this sha256 lives (whether or not it is there yet). */
  path(sha256: string): string {
    return join(this.dir, 'sha256', checkHex(sha256))
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.path(sha256))).isFile()
    } catch (e) {
      if (errCode(e) === 'ENOENT') return false
      throw e
    }
  }

  /** Re-hash the stored file; true when present and intact (then marked verified). */
  async verify(sha256: string): Promise<boolean> {
    const hex = checkHex(sha256)
    let got: string
    try {
      got = await sha256File(this.path(hex))
    } catch (e) {
      if (errCode(e) === 'ENOENT') return false
      throw e
    }
    if (got !== hex) return false
    await this.#mark(hex)
    return true
  }

  /**
   * The path of the file with this sha256, downloading it from `url` when missing or corrupted.
   * An existing entry is trusted only if its size/mtime/inode still match the marker written when it was
   * last hashed; otherwise it is re-hashed, and re-fetched if it no longer matches.
   * @throws HashMismatchError when the downloaded bytes have another sha256 (nothing is stored).
   */
  fetch(url: string, sha256: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
    const hex = checkHex(sha256)
    const running = this.#inflight.get(hex)
    if (running) return running
    const p = this.#fetch(url, hex, opts.signal).finally(() => this.#inflight.delete(hex))
    this.#inflight.set(hex, p)
    return p
  }

  /** Copy a local file into the store; returns its sha256. */
  async put(file: string): Promise<string> {
    const hex = await sha256File(file)
    if (await this.#intact(hex)) return hex
    await mkdir(join(this.dir, 'sha256'), { recursive: true })
    const tmp = join(this.dir, 'sha256', `.${hex}.${process.pid}.${randomUUID()}.tmp`)
    try {
      await copyFile(file, tmp)
      // The source may have changed between hashing and copying: check what was copied.
      const copied = await sha256File(tmp)
      if (copied !== hex) throw new HashMismatchError(file, hex, copied)
      await rename(tmp, this.path(hex))
    } finally {
      await rm(tmp, { force: true })
    }
    await this.#mark(hex)
    return hex
  }

  async #fetch(url: string, hex: string, signal: AbortSignal | undefined): Promise<string> {
    if (await this.#intact(hex)) return this.path(hex)
    await rm(this.path(hex), { force: true })
    await mkdir(join(this.dir, 'sha256'), { recursive: true })
    await mkdir(join(this.dir, 'partial'), { recursive: true })
    const abs = resolveUrl(url, this.#config)
    const lock = await this.#lock(hex)
    // The lock holder owns `<hex>.part` and may resume it; anyone else downloads to a private temp file
    // and the first rename wins (both files have the same verified bytes).
    const part = lock
      ? join(this.dir, 'partial', `${hex}.part`)
      : join(this.dir, 'partial', `${hex}.${process.pid}.${randomUUID()}.tmp`)
    try {
      await download(abs, part, hex, lock !== undefined, signal)
      await rename(part, this.path(hex))
      await this.#mark(hex)
      return this.path(hex)
    } catch (e) {
      // Keep the lock holder's partial for resuming, unless its bytes are known bad.
      if (!lock || e instanceof HashMismatchError) await rm(part, { force: true })
      throw e
    } finally {
      if (lock) await rm(lock, { force: true })
    }
  }

  /** Take `partial/<hex>.lock`; undefined when a live process holds it. A dead holder's lock is taken over. */
  async #lock(hex: string): Promise<string | undefined> {
    const path = join(this.dir, 'partial', `${hex}.lock`)
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(path, 'wx')
        await fh.writeFile(`${process.pid}\n`)
        await fh.close()
        return path
      } catch (e) {
        if (errCode(e) !== 'EEXIST') throw e
      }
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10)
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) return undefined
      await rm(path, { force: true })
    }
    return undefined
  }

  /** The stat fingerprint recorded when an entry was last hashed. */
  async #fingerprint(hex: string): Promise<string | undefined> {
    try {
      const s = await stat(this.path(hex))
      return `${s.size} ${s.mtimeMs} ${s.ino}`
    } catch (e) {
      if (errCode(e) === 'ENOENT') return undefined
      throw e
    }
  }

  async #mark(hex: string): Promise<void> {
    const fp = await this.#fingerprint(hex)
    if (fp === undefined) return
    await mkdir(join(this.dir, 'verified'), { recursive: true })
    const marker = join(this.dir, 'verified', hex)
    const tmp = `${marker}.${process.pid}.${randomUUID()}.tmp`
    await writeFile(tmp, fp)
    await rename(tmp, marker)
  }

  /** Present and intact: the marker matches, or a re-hash says so. */
  async #intact(hex: string): Promise<boolean> {
    const fp = await this.#fingerprint(hex)
    if (fp === undefined) return false
    const marker = await readFile(join(this.dir, 'verified', hex), 'utf8').catch(() => undefined)
    if (marker === fp) return true
    if (await this.verify(hex)) return true
    await unlink(this.path(hex)).catch(() => undefined)
    return false
  }
}

/**
 * Download `url` into `part`, resuming from its current size when `resume` and the server answers a Range
 * request with 206; a 200 restarts from zero. Throws HashMismatchError when the result is not `hex`.
 */
async function download(
  url: string,
  part: string,
  hex: string,
  resume: boolean,
  signal: AbortSignal | undefined,
): Promise<void> {
  let offset = 0
  if (resume) {
    try {
      offset = (await stat(part)).size
    } catch (e) {
      if (errCode(e) !== 'ENOENT') throw e
    }
  }
  const hash = createHash('sha256')
  if (offset > 0) for await (const chunk of createReadStream(part)) hash.update(chunk as Buffer)

  let res: Response
  try {
    res = await fetch(url, {
      ...(offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {}),
      ...(signal ? { signal } : {}),
    })
  } catch (e) {
    if (signal?.aborted) throw e
    throw new FetchError(url, `request failed: ${(e as Error).message}`, undefined, e)
  }

  let append = false
  if (
    offset > 0 &&
    res.status === 206 &&
    (res.headers.get('content-range') ?? '').startsWith(`bytes ${offset}-`)
  ) {
    append = true
  } else if (offset > 0 && res.status === 416) {
    // Nothing left to send: the partial may already be whole.
    await res.body?.cancel()
    const got = hash.digest('hex')
    if (got === hex) return
    await rm(part, { force: true })
    return download(url, part, hex, false, signal)
  } else if (res.status !== 200) {
    await res.body?.cancel()
    throw new FetchError(url, `HTTP ${res.status} ${res.statusText}`, res.status)
  }

  const h = append ? hash : createHash('sha256')
  const fh = await open(part, append ? 'a' : 'w')
  try {
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        h.update(chunk)
        await fh.write(chunk)
      }
    }
    await fh.datasync()
  } catch (e) {
    if (signal?.aborted) throw e
    throw new FetchError(url, `download interrupted: ${(e as Error).message}`, undefined, e)
  } finally {
    await fh.close()
  }
  const got = h.digest('hex')
  if (got !== hex) throw new HashMismatchError(url, hex, got)
}

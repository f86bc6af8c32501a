// Hardening checks on a built image's filesystem: no setuid files, no shell or package manager unless
// exempted, the runtime user owns only its writable paths, the entrypoint is there and executable, not root.
// `checkStructure` is pure over a file list; the listing functions read it from an engine or an OCI layout.
import { spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { extract } from 'tar-stream'
import { CommandError } from './errors.ts'
import type { Exemptions } from './recipe.ts'
import type { ResolvedRuntime } from './runtime.ts'

export interface FileEntry {
  /** Absolute, normalised: `/usr/bin/redis-server`. */
  path: string
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other'
  /** Permission bits including setuid (0o4000) and setgid (0o2000). */
  mode: number
  uid: number
  gid: number
  /** Target of a symlink or hard link. */
  linkname?: string
}

export type StructureCheck = 'setuid' | 'shell' | 'package-manager' | 'owner' | 'entrypoint' | 'root'

export interface StructureProblem {
  check: StructureCheck
  path?: string
  message: string
}

export interface StructureInput {
  files: FileEntry[]
  runtime: Pick<ResolvedRuntime, 'user' | 'entrypoint' | 'volumes' | 'tmpfs'>
  exemptions?: Exemptions
  /** `final.writable` of the recipe: paths the runtime user may own besides volumes and tmpfs. */
  writable?: string[]
  /** The image config's `User` as the engine reports it (`""` means root). */
  imageUser?: string
}

const BIN_DIRS = ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin']
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'busybox'])
const PACKAGE_MANAGERS = new Set(['apt', 'apt-get', 'dpkg', 'apk'])

/** `./usr/bin/` -> `/usr/bin`. */
export function normalisePath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.')
  return `/${parts.join('/')}`
}

function under(path: string, dirs: string[]): boolean {
  return dirs.some((d) => {
    const n = normalisePath(d)
    return n === '/' || path === n || path.startsWith(`${n}/`)
  })
}

function dirOf(p: string): string {
  return p.slice(0, p.lastIndexOf('/')) || '/'
}

/** Follow symlinks and hard links through the listing (10 hops at most, like a kernel's ELOOP). */
function resolve(byPath: Map<string, FileEntry>, path: string): FileEntry | undefined {
  let p = normalisePath(path)
  for (let hop = 0; hop < 10; hop++) {
    const e = byPath.get(p)
    if (!e) return undefined
    if (e.type === 'symlink')
      p = normalisePath(e.linkname!.startsWith('/') ? e.linkname! : `${dirOf(p)}/${e.linkname}`)
    else if (e.type === 'hardlink') p = normalisePath(e.linkname!)
    else return e
  }
  return undefined
}

function canExecute(e: FileEntry, uid: number, gid: number): boolean {
  if (uid === 0) return (e.mode & 0o111) !== 0
  if (e.uid === uid) return (e.mode & 0o100) !== 0
  if (e.gid === gid) return (e.mode & 0o010) !== 0
  return (e.mode & 0o001) !== 0
}

/** Every problem found, in a stable order (by check, then path). */
export function checkStructure(input: StructureInput): StructureProblem[] {
  const { files, runtime: rt } = input
  const ex = input.exemptions ?? {}
  const problems: StructureProblem[] = []
  const byPath = new Map(files.map((f) => [f.path, f]))
  const { uid, gid } = rt.user

  if (!ex.root) {
    if (uid === 0)
      problems.push({
        check: 'root',
        message: 'runs as uid 0 (root): set runtime.user, or exemptions.root with the reason',
      })
    const u = input.imageUser
    if (u !== undefined && uid !== 0 && (u === '' || /^(0|root)(:|$)/.test(u)))
      problems.push({
        check: 'root',
        message: `image config User is "${u}" (root): the image must name its non-root uid (USER ${uid}:${gid})`,
      })
  }

  for (const f of files) {
    if ((f.type === 'file' || f.type === 'hardlink') && (f.mode & 0o6000) !== 0 && !ex.setuid)
      problems.push({
        check: 'setuid',
        path: f.path,
        message: `${f.path} is ${f.mode & 0o4000 ? 'setuid' : 'setgid'} (mode ${(f.mode & 0o7777).toString(8)}): drop the bit, or set exemptions.setuid`,
      })
  }

  for (const f of files) {
    if (f.type === 'dir' || !BIN_DIRS.includes(dirOf(f.path))) continue
    const base = f.path.slice(f.path.lastIndexOf('/') + 1)
    if (SHELLS.has(base) && !ex.shell)
      problems.push({
        check: 'shell',
        path: f.path,
        message: `${f.path}: a shell in the image: remove it, or set exemptions.shell with the reason`,
      })
    if (PACKAGE_MANAGERS.has(base) && !ex.packageManager)
      problems.push({
        check: 'package-manager',
        path: f.path,
        message: `${f.path}: a package manager in the image: remove it, or set exemptions.packageManager`,
      })
  }

  // Root-owned files cannot be changed at run time; anything the app's uid owns is writable state,
  // which must be declared so it lives in a volume or tmpfs, not in the read-only image.
  if (uid !== 0) {
    const allowed = [...rt.volumes, ...rt.tmpfs, ...(input.writable ?? [])]
    for (const f of files) {
      if (f.uid === uid && f.type !== 'symlink' && !under(f.path, allowed))
        problems.push({
          check: 'owner',
          path: f.path,
          message: `${f.path} is owned by the runtime uid ${uid} but is not a declared volume, tmpfs or writable path`,
        })
    }
  }

  const bin = rt.entrypoint[0]
  if (!bin) problems.push({ check: 'entrypoint', message: 'no entrypoint' })
  else {
    const e = resolve(byPath, bin)
    if (!e)
      problems.push({ check: 'entrypoint', path: bin, message: `entrypoint ${bin} is not in the image` })
    else if (e.type !== 'file')
      problems.push({
        check: 'entrypoint',
        path: bin,
        message: `entrypoint ${bin} is not a regular file (${e.type})`,
      })
    else if (!canExecute(e, uid, gid))
      problems.push({
        check: 'entrypoint',
        path: bin,
        message: `entrypoint ${bin} is not executable by ${uid}:${gid} (mode ${(e.mode & 0o7777).toString(8)}, owner ${e.uid}:${e.gid})`,
      })
  }

  const order: StructureCheck[] = ['root', 'entrypoint', 'setuid', 'shell', 'package-manager', 'owner']
  return problems.sort(
    (a, b) => order.indexOf(a.check) - order.indexOf(b.check) || (a.path ?? '').localeCompare(b.path ?? ''),
  )
}

const TYPES: Record<string, FileEntry['type']> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  link: 'hardlink',
}

/** The entries of one tar stream (gzip is detected by its magic bytes). Whiteouts are kept as entries. */
export async function entriesFromTar(stream: Readable): Promise<FileEntry[]> {
  const out: FileEntry[] = []
  const ex = extract()
  const gz = await sniffGzip(stream)
  const done = new Promise<void>((res, rej) => {
    ex.on('entry', (h, body, next) => {
      const p = normalisePath(h.name)
      if (p !== '/')
        out.push({
          path: p,
          type: TYPES[h.type ?? 'file'] ?? 'other',
          mode: h.mode ?? 0,
          uid: h.uid ?? 0,
          gid: h.gid ?? 0,
          ...(h.linkname ? { linkname: h.linkname } : {}),
        })
      body.on('end', next)
      body.resume()
    })
    ex.on('finish', res)
    ex.on('error', rej)
    gz.stream.on('error', rej)
  })
  gz.stream.pipe(ex)
  await done
  return out
}

/** Peek at the first bytes; put them back in front of the stream, gunzipped when they are gzip. */
async function sniffGzip(stream: Readable): Promise<{ stream: Readable }> {
  const it = stream[Symbol.asyncIterator]()
  const first = await it.next()
  const head: Buffer = first.done ? Buffer.alloc(0) : Buffer.from(first.value as Uint8Array)
  const rest = Readable.from(
    (async function* () {
      if (head.length) yield head
      for (;;) {
        const n = await it.next()
        if (n.done) return
        yield n.value as Buffer
      }
    })(),
  )
  return { stream: head[0] === 0x1f && head[1] === 0x8b ? rest.pipe(createGunzip()) : rest }
}

/** Apply layers in order: later entries replace earlier ones; `.wh.` whiteouts delete (OCI image spec). */
export function mergeLayers(layers: FileEntry[][]): FileEntry[] {
  const fs = new Map<string, FileEntry>()
  const removeTree = (p: string, keepSelf: boolean): void => {
    for (const k of [...fs.keys()])
      if ((k === p && !keepSelf) || k.startsWith(p === '/' ? '/' : `${p}/`)) fs.delete(k)
  }
  for (const layer of layers) {
    for (const e of layer) {
      const base = e.path.slice(e.path.lastIndexOf('/') + 1)
      if (base === '.wh..wh..opq') removeTree(dirOf(e.path), true)
      else if (base.startsWith('.wh.'))
        removeTree(`${dirOf(e.path) === '/' ? '' : dirOf(e.path)}/${base.slice(4)}`, false)
    }
    for (const e of layer) {
      const base = e.path.slice(e.path.lastIndexOf('/') + 1)
      if (base.startsWith('.wh.')) continue
      if (e.type !== 'dir') removeTree(e.path, true)
      fs.set(e.path, e)
    }
  }
  return [...fs.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** The merged filesystem of the first manifest in an OCI image layout directory. */
export async function listLayoutFiles(layoutDir: string): Promise<FileEntry[]> {
  const blob = (digest: string): string => join(layoutDir, 'blobs', ...digest.split(':'))
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[]
  }
  const first = index.manifests[0]
  if (!first) throw new Error(`${layoutDir}/index.json lists no manifest`)
  const manifest = JSON.parse(await readFile(blob(first.digest), 'utf8')) as { layers: { digest: string }[] }
  const layers: FileEntry[][] = []
  for (const l of manifest.layers) layers.push(await entriesFromTar(createReadStream(blob(l.digest))))
  return mergeLayers(layers)
}

/** The filesystem of an engine image: `docker create` then `docker export`, streamed, then removed. */
export async function listImageFiles(ref: string, docker = '/usr/bin/docker'): Promise<FileEntry[]> {
  const id = (await run(docker, ['create', ref])).trim()
  try {
    const child = spawn(docker, ['export', id], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString()
    })
    const exited = new Promise<number | null>((res) => child.on('close', res))
    const entries = await entriesFromTar(child.stdout)
    const code = await exited
    if (code !== 0) throw new CommandError([docker, 'export', id], code, stderr.trim())
    return entries
  } finally {
    await run(docker, ['rm', '-f', id]).catch(() => '')
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString()
    })
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString()
    })
    child.on('error', (e) => rej(new CommandError([cmd, ...args], null, e.message)))
    child.on('close', (c) => (c === 0 ? res(out) : rej(new CommandError([cmd, ...args], c, err.trim()))))
  })
}

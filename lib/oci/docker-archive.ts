// Turns an OCI layout into a `docker load` archive (manifest.json + the same blobs), so the engine gets the
// exact image: the config bytes are kept, hence image ID = config digest.
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import tar from 'tar-stream'
import { CommandError } from '../errors.ts'
import { readImage } from './image.ts'
import { blobPath } from './layer.ts'

const CHUNK = 1 << 20

/** Streams the archive of the image at `layoutDir` (first/only image) into a tar-stream pack. */
async function packArchive(
  layoutDir: string,
  repoTags: string[],
  pack: tar.Pack,
  refName?: string,
): Promise<void> {
  const image = await readImage(layoutDir, refName)
  const name = (digest: string) => `blobs/${digest.replace(':', '/')}`
  // docker load (20.10) reads Config and Layers by these paths and gunzips layers itself.
  const manifest = [
    {
      Config: name(image.configDigest),
      RepoTags: repoTags,
      Layers: image.layers.map((l) => name(l.digest)),
    },
  ]
  const fixed = { uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(0) }
  const entry = (header: Partial<tar.Header> & { name: string }, body?: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ ...fixed, ...header, size: body?.byteLength ?? 0 }, (err) =>
        err ? reject(err) : resolve(),
      )
      if (body) sink.write(body)
      sink.end(undefined)
    })
  await entry({ name: 'blobs/', type: 'directory', mode: 0o755 })
  await entry({ name: 'blobs/sha256/', type: 'directory', mode: 0o755 })
  const seen = new Set<string>()
  for (const digest of [image.configDigest, ...image.layers.map((l) => l.digest)]) {
    if (seen.has(digest)) continue
    seen.add(digest)
    const fh = await open(blobPath(layoutDir, digest), 'r')
    try {
      const { size } = await fh.stat()
      let sink!: ReturnType<tar.Pack['entry']>
      const done = new Promise<void>((resolve, reject) => {
        sink = pack.entry({ ...fixed, name: name(digest), type: 'file', mode: 0o644, size }, (err) =>
          err ? reject(err) : resolve(),
        )
      })
      for (let pos = 0; pos < size; ) {
        const buf = new Uint8Array(Math.min(CHUNK, size - pos))
        const { bytesRead } = await fh.read(buf, 0, buf.byteLength, pos)
        pos += bytesRead
        if (!sink.write(buf.subarray(0, bytesRead)))
          await new Promise<void>((r) => sink.once('drain', () => r()))
      }
      sink.end(undefined)
      await done
    } finally {
      await fh.close()
    }
  }
  await entry(
    { name: 'manifest.json', type: 'file', mode: 0o644 },
    new TextEncoder().encode(JSON.stringify(manifest)),
  )
  pack.finalize()
}

async function streamTo(
  layoutDir: string,
  repoTags: string[],
  out: Writable,
  refName?: string,
): Promise<void> {
  const pack = tar.pack()
  await Promise.all([packArchive(layoutDir, repoTags, pack, refName), pipeline(pack, out)])
}

/** Writes a `docker load -i`-able archive of the image in `layoutDir`, tagged `repoTags`. */
export async function writeDockerArchive(
  layoutDir: string,
  outTar: string,
  repoTags: string[],
  refName?: string,
): Promise<void> {
  const tmp = `${outTar}.tmp-${process.pid}`
  try {
    await streamTo(layoutDir, repoTags, createWriteStream(tmp), refName)
    await rename(tmp, outTar)
  } finally {
    await rm(tmp, { force: true })
  }
}

/** Streams the image into `docker load`; returns the engine's image ID (`sha256:` + config digest). */
export async function loadIntoDocker(
  layoutDir: string,
  repoTags: string[],
  docker = '/usr/bin/docker',
  refName?: string,
): Promise<string> {
  const argv = [docker, 'load']
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stdout.resume()
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code))
  })
  let streamError: unknown
  try {
    await streamTo(layoutDir, repoTags, child.stdin, refName)
  } catch (e) {
    // An engine that stops reading (EPIPE) tells why on stderr; report that below.
    streamError = e
    child.stdin.destroy()
  }
  const code = await exited
  if (code !== 0 || streamError)
    throw new CommandError(
      argv,
      code,
      (stderr || (streamError as Error | undefined)?.message || '').trim().split('\n').slice(-10).join('\n'),
      'is dockerd running? (`/usr/bin/docker info`)',
    )
  return (await readImage(layoutDir, refName)).configDigest
}

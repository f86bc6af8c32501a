// The golden image (apko style): fixed inputs -> a base image and an app image on top of it, whose
// digests are committed in testdata/golden.json. Regenerate after an intended format change with
// `pnpm exec tsx lib/oci/regen-golden.ts` and say why in the commit.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import tar from 'tar-stream'
import { stableJson } from '../canonical.ts'
import { writeImage } from './image.ts'
import { layerFromTar } from './layer.ts'

export const GOLDEN_PATH = fileURLToPath(new URL('./testdata/golden.json', import.meta.url))

export interface Golden {
  /**
   * gzip bytes are stable for one runtime's zlib (`node 20`); Deno's node:zlib deflates differently
   * (same diff_ids and configs, other layer digests), so digests are checked only on the same runtime.
   */
  runtime: string
  base: { manifest: string; config: string; layer: string; diffId: string }
  app: { manifest: string; config: string; layer: string; diffId: string }
}

const EPOCH = 1_700_000_000

/** Writes a tar with exactly these headers, in this order (also used by the layer tests). */
export async function writeTar(
  path: string,
  entries: (Partial<tar.Header> & { name: string; body?: string })[],
): Promise<void> {
  const pack = tar.pack()
  const collected = (async () => {
    const chunks: Uint8Array[] = []
    for await (const c of pack) chunks.push(c as Uint8Array)
    return chunks
  })()
  for (const { body, ...h } of entries)
    await new Promise<void>((res, rej) =>
      pack.entry({ mtime: new Date(0), ...h }, body ?? '', (e) => (e ? rej(e) : res())),
    )
  pack.finalize()
  await writeFile(path, Buffer.concat(await collected))
}

/** The runtime whose zlib made the gzip bytes: `node 20`, `deno 2`. */
export function gzipRuntime(): string {
  const deno = (process.versions as Record<string, string | undefined>).deno
  return deno ? `deno ${deno.split('.')[0]}` : `node ${process.versions.node.split('.')[0]}`
}

/** Builds the golden images under `dir` (base in dir/base, app in dir/app) and returns their digests. */
export async function buildGolden(dir: string): Promise<Golden> {
  await writeTar(join(dir, 'base.tar'), [
    { name: 'etc/', type: 'directory', mode: 0o755 },
    {
      name: 'etc/passwd',
      mode: 0o644,
      body: 'root:x:0:0:root:/root:/sbin/nologin\napp:x:65532:65532::/:/sbin/nologin\n',
    },
    { name: 'etc/group', mode: 0o644, body: 'root:x:0:\napp:x:65532:\n' },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
  ])
  await writeTar(join(dir, 'app.tar'), [
    { name: 'usr/', type: 'directory', mode: 0o755 },
    { name: 'usr/local/', type: 'directory', mode: 0o755 },
    { name: 'usr/local/bin/', type: 'directory', mode: 0o755 },
    { name: 'usr/local/bin/app', mode: 0o755, body: '#!/bin/true\n' },
    { name: 'data/', type: 'directory', mode: 0o700, uid: 65532, gid: 65532 },
  ])
  const baseLayer = await layerFromTar(join(dir, 'base.tar'), join(dir, 'base', 'blobs'), { epoch: EPOCH })
  const base = await writeImage(join(dir, 'base'), {
    layer: baseLayer,
    config: { User: '0:0', Env: ['PATH=/usr/local/bin:/usr/bin:/bin'] },
    epoch: EPOCH,
    platform: 'linux/amd64',
    history: 'atelier base/runtime 1',
    refName: '1',
  })
  const appLayer = await layerFromTar(join(dir, 'app.tar'), join(dir, 'app', 'blobs'), { epoch: EPOCH })
  const app = await writeImage(join(dir, 'app'), {
    parent: { layoutDir: join(dir, 'base') },
    layer: appLayer,
    config: {
      User: '65532:65532',
      Entrypoint: ['/usr/local/bin/app'],
      Cmd: ['--serve'],
      ExposedPorts: { '8080/tcp': {} },
      Volumes: { '/data': {} },
      Labels: { 'org.opencontainers.image.version': '1.2.3' },
      Healthcheck: { Test: ['CMD', '/usr/local/bin/healthcheck', 'tcp', '127.0.0.1:8080'], Retries: 3 },
    },
    epoch: EPOCH,
    platform: 'linux/amd64',
    history: 'atelier app 1.2.3',
    annotations: { 'org.opencontainers.image.version': '1.2.3' },
    refName: '1.2.3',
  })
  const pick = (img: typeof base) => ({
    manifest: img.manifestDigest,
    config: img.configDigest,
    layer: img.layers.at(-1)!.digest,
    diffId: img.layers.at(-1)!.diffId,
  })
  return { runtime: gzipRuntime(), base: pick(base), app: pick(app) }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const dir = await mkdtemp(join(tmpdir(), 'atelier-golden-'))
  try {
    const golden = await buildGolden(dir)
    await writeFile(GOLDEN_PATH, stableJson(golden))
    process.stdout.write(`wrote ${GOLDEN_PATH}\n${stableJson(golden)}`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

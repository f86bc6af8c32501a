// OCI image layouts: the golden digests, parent layer sharing, and what the config/manifest say.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson } from '../canonical.ts'
import { readImage } from './image.ts'
import { blobPath } from './layer.ts'
import { buildGolden, GOLDEN_PATH, type Golden } from './regen-golden.ts'

describe('writeImage', () => {
  let dir: string
  let golden: Golden
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-image-test-'))
    golden = await buildGolden(dir)
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('matches the committed golden digests (regenerate: pnpm exec tsx lib/oci/regen-golden.ts)', async () => {
    const committed = JSON.parse(await readFile(GOLDEN_PATH, 'utf8')) as Golden
    // Configs and diff_ids hold everywhere; gzip bytes only for the runtime that wrote the golden file.
    expect(golden.app.config).toBe(committed.app.config)
    expect(golden.app.diffId).toBe(committed.app.diffId)
    expect(golden.base.diffId).toBe(committed.base.diffId)
    if (committed.runtime === golden.runtime) expect(golden).toEqual(committed)
  })

  it('gives the same digests when built again elsewhere', async () => {
    const again = await buildGolden(await mkdtemp(join(dir, 'again-')))
    expect(again).toEqual(golden)
  })

  it('reuses the parent layers unchanged and keeps its history', async () => {
    const base = await readImage(join(dir, 'base'))
    const app = await readImage(join(dir, 'app'), '1.2.3')
    expect(app.layers.slice(0, 1)).toEqual(base.layers)
    expect(app.layers).toHaveLength(2)
    expect(app.config.rootfs.diff_ids).toEqual(app.layers.map((l) => l.diffId))
    expect(app.config.history?.map((h) => h.created_by)).toEqual([
      'atelier base/runtime 1',
      'atelier app 1.2.3',
    ])
    // Shared blob: hard-linked (same inode) when on one file system.
    const a = await stat(blobPath(join(dir, 'base'), base.layers[0]!.digest))
    const b = await stat(blobPath(join(dir, 'app'), base.layers[0]!.digest))
    expect(b.ino).toBe(a.ino)
  })

  it('writes an OCI config and manifest, canonically serialised', async () => {
    const app = await readImage(join(dir, 'app'))
    expect(app.config).toMatchObject({
      created: '2023-11-14T22:13:20Z',
      architecture: 'amd64',
      os: 'linux',
      config: { User: '65532:65532', Healthcheck: { Retries: 3 } },
    })
    expect(JSON.stringify(app.config)).not.toMatch(/\/tmp\//)
    expect(app.manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json')
    expect(app.manifest.annotations).toEqual({ 'org.opencontainers.image.version': '1.2.3' })
    const raw = await readFile(blobPath(join(dir, 'app'), app.manifestDigest), 'utf8')
    expect(raw).toBe(canonicalJson(JSON.parse(raw)))
    const index = JSON.parse(await readFile(join(dir, 'app', 'index.json'), 'utf8'))
    expect(index.manifests).toEqual([
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: app.manifestDigest,
        size: Buffer.byteLength(raw),
        annotations: { 'org.opencontainers.image.ref.name': '1.2.3' },
      },
    ])
    expect(JSON.parse(await readFile(join(dir, 'app', 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    })
  })

  it('names the missing image clearly', async () => {
    await expect(readImage(join(dir, 'app'), 'nope')).rejects.toMatchObject({ code: 'E_LAYER' })
  })
})

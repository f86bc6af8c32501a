// Writes and reads OCI image layouts: the parent's layers reused unchanged plus one new layer, with a
// config and manifest serialised canonically so the same inputs always give the same manifest digest.
import { copyFile, link, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { canonicalJson, sha256hex } from '../canonical.ts'
import { blobPath, blobSize, type Layer, LayerError } from './layer.ts'

export const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json'
export const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json'
export const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json'
export const REF_NAME = 'org.opencontainers.image.ref.name'

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  artifactType?: string
  annotations?: Record<string, string>
  platform?: { architecture: string; os: string; variant?: string }
}

export interface OciImage {
  manifestDigest: string
  manifest: {
    schemaVersion: 2
    mediaType: string
    config: Descriptor
    layers: Descriptor[]
    annotations?: Record<string, string>
  }
  configDigest: string
  config: {
    created?: string
    architecture: string
    os: string
    variant?: string
    config?: Record<string, unknown>
    rootfs: { type: 'layers'; diff_ids: string[] }
    history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[]
  }
  layers: Layer[]
}

export interface WriteImageInput {
  /** The image this one is built on: its layers are reused unchanged (layer sharing). */
  parent?: { layoutDir: string; refName?: string }
  /** The new layer, as returned by layerFromTar. */
  layer: Layer
  /** Where layerFromTar wrote the layer, when not already `<layoutDir>/blobs`. */
  layerBlobsDir?: string
  /** The `config` object of the image config (imageConfig(runtime) in lib/runtime.ts). */
  config: Record<string, unknown>
  /** SOURCE_DATE_EPOCH in seconds: the config's `created`. */
  epoch: number
  /** e.g. `linux/amd64`, `linux/arm64/v8`. */
  platform: string
  /** `created_by` of the new layer's history entry, e.g. `atelier redis 7.0.15`. */
  history: string
  /** Manifest annotations. */
  annotations?: Record<string, string>
  /** index.json's `org.opencontainers.image.ref.name`, e.g. `7.0.15`. */
  refName: string
}

/** `1700000000` -> `2023-11-14T22:13:20Z` (RFC 3339, no fraction). */
export function rfc3339(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function parsePlatform(platform: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant] = platform.split('/')
  if (!os || !architecture)
    throw new LayerError(`bad platform "${platform}"`, 'use os/arch[/variant], e.g. linux/amd64')
  return { os, architecture, ...(variant ? { variant } : {}) }
}

/** Stores `bytes` as a blob (atomically) and returns its descriptor fields. */
export async function writeBlob(
  layoutDir: string,
  bytes: Uint8Array,
): Promise<{ digest: string; size: number }> {
  const digest = `sha256:${sha256hex(bytes)}`
  const path = blobPath(layoutDir, digest)
  if ((await blobSize(layoutDir, digest)) === undefined) {
    await mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true })
    const tmp = `${path}.tmp-${process.pid}`
    await writeFile(tmp, bytes)
    await rename(tmp, path)
  }
  return { digest, size: bytes.byteLength }
}

/** Makes `digest` present in `toLayout`: hard link when possible (same file system), else copy. */
export async function shareBlob(fromLayout: string, toLayout: string, digest: string): Promise<void> {
  await linkBlob(blobPath(fromLayout, digest), toLayout, digest)
}

async function linkBlob(src: string, toLayout: string, digest: string): Promise<void> {
  if ((await blobSize(toLayout, digest)) !== undefined) return
  await mkdir(join(toLayout, 'blobs', 'sha256'), { recursive: true })
  const dst = blobPath(toLayout, digest)
  const tmp = `${dst}.tmp-${process.pid}`
  try {
    await link(src, tmp)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LayerError(`blob ${digest} is missing (${src})`, 'pack the image again', e)
    await copyFile(src, tmp)
  }
  await rename(tmp, dst)
}

async function readJson<T>(path: string): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T
  } catch (e) {
    throw new LayerError(
      `cannot read ${path}: ${(e as Error).message}`,
      'is this an OCI layout written by the packer?',
      e,
    )
  }
}

/** Writes the image into the layout at `layoutDir` (created if needed) and returns it. */
export async function writeImage(layoutDir: string, input: WriteImageInput): Promise<OciImage> {
  await mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true })
  const parent = input.parent ? await readImage(input.parent.layoutDir, input.parent.refName) : undefined
  for (const l of parent?.layers ?? []) await shareBlob(input.parent!.layoutDir, layoutDir, l.digest)
  if (input.layerBlobsDir) {
    const [alg, hex] = input.layer.digest.split(':')
    await linkBlob(join(input.layerBlobsDir, alg!, hex!), layoutDir, input.layer.digest)
  }
  if ((await blobSize(layoutDir, input.layer.digest)) !== input.layer.size)
    throw new LayerError(
      `layer ${input.layer.digest} is not in ${layoutDir}/blobs`,
      'pass layerBlobsDir, or write the layer with layerFromTar(tar, <layoutDir>/blobs, ...)',
    )

  const layers = [...(parent?.layers ?? []), input.layer]
  // Parent history is kept as is. Ours names what was built, no host path; its `created` is the epoch,
  // not the clock (umoci 0.4 crashes on a history entry without one).
  const created = rfc3339(input.epoch)
  const history = [...(parent?.config.history ?? []), { created, created_by: input.history }]
  const config = {
    created,
    ...parsePlatform(input.platform),
    config: input.config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history,
  }
  const configBlob = await writeBlob(layoutDir, new TextEncoder().encode(canonicalJson(config)))
  const manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: { mediaType: CONFIG_MEDIA_TYPE, ...configBlob },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    ...(input.annotations && Object.keys(input.annotations).length ? { annotations: input.annotations } : {}),
  }
  const manifestBlob = await writeBlob(layoutDir, new TextEncoder().encode(canonicalJson(manifest)))
  await writeIndexEntry(layoutDir, {
    mediaType: MANIFEST_MEDIA_TYPE,
    ...manifestBlob,
    annotations: { [REF_NAME]: input.refName },
  })
  return readImage(layoutDir, input.refName)
}

/** Adds (or replaces, by ref name) one manifest in index.json; other refs are kept, sorted by name. */
async function writeIndexEntry(layoutDir: string, desc: Descriptor): Promise<void> {
  await writeFile(join(layoutDir, 'oci-layout'), canonicalJson({ imageLayoutVersion: '1.0.0' }))
  let manifests: Descriptor[] = []
  try {
    manifests = (
      JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as { manifests: Descriptor[] }
    ).manifests
  } catch {
    // no index yet
  }
  const ref = desc.annotations?.[REF_NAME]
  manifests = manifests.filter((m) => m.annotations?.[REF_NAME] !== ref)
  manifests.push(desc)
  manifests.sort((a, b) => ((a.annotations?.[REF_NAME] ?? '') < (b.annotations?.[REF_NAME] ?? '') ? -1 : 1))
  const tmp = join(layoutDir, `index.json.tmp-${process.pid}`)
  await writeFile(tmp, canonicalJson({ schemaVersion: 2, mediaType: INDEX_MEDIA_TYPE, manifests }))
  await rename(tmp, join(layoutDir, 'index.json'))
}

/** Reads the image named `refName` (or the only/first one) from an OCI layout. */
export async function readImage(layoutDir: string, refName?: string): Promise<OciImage> {
  const index = await readJson<{ manifests?: Descriptor[] }>(join(layoutDir, 'index.json'))
  const manifests = index.manifests ?? []
  const desc = refName ? manifests.find((m) => m.annotations?.[REF_NAME] === refName) : manifests[0]
  if (!desc)
    throw new LayerError(
      `no image${refName ? ` named ${refName}` : ''} in ${layoutDir}/index.json`,
      'pack the image first (pnpm build <image>)',
    )
  const manifest = await readJson<OciImage['manifest']>(blobPath(layoutDir, desc.digest))
  const config = await readJson<OciImage['config']>(blobPath(layoutDir, manifest.config.digest))
  const diffIds = config.rootfs?.diff_ids ?? []
  if (diffIds.length !== manifest.layers.length)
    throw new LayerError(
      `${layoutDir}: manifest has ${manifest.layers.length} layers but config lists ${diffIds.length} diff_ids`,
      'the layout is corrupt: pack the image again',
    )
  return {
    manifestDigest: desc.digest,
    manifest,
    configDigest: manifest.config.digest,
    config,
    layers: manifest.layers.map((l, i) => ({
      digest: l.digest,
      diffId: diffIds[i]!,
      size: l.size,
      mediaType: l.mediaType,
    })),
  }
}

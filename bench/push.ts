// Pushing: an unchanged image (nothing should be uploaded) and the same image with one extra tiny
// layer (only that layer and the new config should go), counted by the registry client's own stats.
// The changed image goes to a registry of the bench's own (`side`), never to the user's.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildPaths, registryRepo } from '../lib/build.ts'
import type { RegistryConfig } from '../lib/config.ts'
import { exec } from '../lib/exec.ts'
import { readImage, writeImage } from '../lib/oci/image.ts'
import { layerFromTar } from '../lib/oci/layer.ts'
import { RegistryClient } from '../lib/registry/client.ts'
import type { Repo } from '../lib/repo.ts'
import { BENCH_NAMESPACE } from './baseline.ts'
import { round } from './stats.ts'

export interface PushCount {
  image: string
  repository: string
  blobsUploaded: number
  blobsSkipped: number
  requests: number
  ms: number
}

export interface PushResult {
  unchanged: PushCount
  /** Every pushed image of the set, unchanged. */
  unchangedSet: Omit<PushCount, 'image' | 'repository'> & { images: number }
  oneLayerChange: PushCount & { layerBytes: number }
}

async function counted(
  client: RegistryClient,
  fn: () => Promise<{ uploaded: number; skipped: number; mounted: number }>,
): Promise<Omit<PushCount, 'image' | 'repository'>> {
  const before = client.stats.requests
  const t = performance.now()
  const r = await fn()
  return {
    blobsUploaded: r.uploaded,
    blobsSkipped: r.skipped + r.mounted,
    requests: client.stats.requests - before,
    ms: round(performance.now() - t),
  }
}

/** A copy of `name`'s image with one more layer holding a file unique to this run. */
async function oneLayerCopy(
  repo: Repo,
  name: string,
  dir: string,
): Promise<{ layout: string; layerBytes: number }> {
  const p = repo.plans[name]!.plan
  const parentLayout = buildPaths(repo).layout(name)
  const parent = await readImage(parentLayout, p.version)
  const root = join(dir, 'root')
  await mkdir(join(root, 'etc'), { recursive: true })
  await writeFile(join(root, 'etc', 'atelier-bench'), `changed at ${new Date().toISOString()}\n`)
  await exec(['tar', '-cf', join(dir, 'layer.tar'), '-C', root, 'etc'])
  const layout = join(dir, 'layout')
  await mkdir(join(layout, 'blobs'), { recursive: true })
  const layer = await layerFromTar(join(dir, 'layer.tar'), join(layout, 'blobs'), { epoch: p.epoch })
  await writeImage(layout, {
    parent: { layoutDir: parentLayout, refName: p.version },
    layer,
    config: parent.config.config ?? {},
    epoch: p.epoch,
    platform: p.platform,
    history: `atelier-bench one-layer change of ${name}`,
    refName: 'changed',
  })
  return { layout, layerBytes: layer.size }
}

export async function benchPush(repo: Repo, name: string, sideRegistry: RegistryConfig): Promise<PushResult> {
  const reg = repo.config.registries[0]!
  const paths = buildPaths(repo)
  const real = registryRepo(reg.namespace, name)
  const p = repo.plans[name]!

  const c1 = new RegistryClient(reg)
  const unchanged = {
    image: name,
    repository: real,
    ...(await counted(c1, () => c1.pushImage(paths.layout(name), real, p.tags))),
  }

  const c2 = new RegistryClient(reg)
  const pushed = Object.keys(repo.plans).filter((n) => repo.plans[n]!.plan.push)
  const set = await counted(c2, async () => {
    const sum = { uploaded: 0, skipped: 0, mounted: 0 }
    for (const n of pushed) {
      const r = await c2.pushImage(paths.layout(n), registryRepo(reg.namespace, n), repo.plans[n]!.tags)
      sum.uploaded += r.uploaded
      sum.skipped += r.skipped
      sum.mounted += r.mounted
    }
    return sum
  })

  const dir = await mkdtemp(join(tmpdir(), 'atelier-bench-push-'))
  try {
    const side = `${BENCH_NAMESPACE}/${name}`
    // The unchanged image first, so the change is all that is new.
    const setup = new RegistryClient(sideRegistry)
    await setup.pushImage(paths.layout(name), side, ['unchanged'])
    const { layout, layerBytes } = await oneLayerCopy(repo, name, dir)
    const c3 = new RegistryClient(sideRegistry)
    const change = await counted(c3, () => c3.pushImage(layout, side, ['changed'], { refName: 'changed' }))
    return {
      unchanged,
      unchangedSet: { images: pushed.length, ...set },
      oneLayerChange: { image: name, repository: side, layerBytes, ...change },
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

// Reproducibility check: build an image again from nothing (empty engine cache, a fresh directory,
// a shifted clock) and compare its manifest digest with the first build. On a mismatch, diffoscope
// explains the difference between the two app layers.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BuildPaths, buildImage, buildPaths } from './build.ts'
import { engineFor } from './engine/index.ts'
import { exec } from './exec.ts'
import type { Logger } from './log.ts'
import { readImage } from './oci/image.ts'
import { blobPath } from './oci/layer.ts'
import type { Repo } from './repo.ts'
import { Store } from './store.ts'

export interface VerifyResult {
  image: string
  first: string
  second: string
  reproduced: boolean
  /** diffoscope's summary when the digests differ. */
  diff?: string
}

/** Paths of a second build: its own folder for the image, the first build's layouts for parents. */
function secondPaths(repo: Repo, first: BuildPaths, dir: string, name: string): BuildPaths {
  const own = buildPaths(repo, dir)
  return { ...own, layout: (n) => (n === name ? own.layout(n) : first.layout(n)) }
}

async function diffoscope(a: string, b: string): Promise<string> {
  // The report goes to a file: exec keeps only stderr in its error, and diffoscope exits 1 on differences.
  const dir = await mkdtemp(join(tmpdir(), 'atelier-diffoscope-'))
  const report = join(dir, 'report.txt')
  try {
    await exec(['diffoscope', '--no-progress', '--text', report, a, b], { capture: true })
    return 'diffoscope found no difference in the layer contents (metadata differs)'
  } catch (e) {
    const text = await readFile(report, 'utf8').catch(() => '')
    return (text || (e as Error).message.split('\n').slice(1).join('\n')).slice(0, 6000)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export async function verifyImage(
  repo: Repo,
  name: string,
  logger: Logger,
  opts: { engine?: 'docker' | 'buildah' } = {},
): Promise<VerifyResult> {
  const engine = engineFor(repo.config, opts.engine)
  const store = new Store(join(repo.root, repo.config.storeDir))
  const first = buildPaths(repo)
  const planned = repo.plans[name]!
  const marker = await readFile(join(first.layout(name), 'atelier.json'), 'utf8').then(
    (t) => JSON.parse(t) as { key: string; digest: string },
    () => undefined,
  )
  if (marker?.key !== planned.key)
    throw new Error(
      `${name} has no first build of key ${planned.key.slice(0, 12)}: run \`pnpm build ${name} --no-push\` first`,
    )
  const dir = await mkdtemp(join(tmpdir(), `atelier-verify-${name}-`))
  try {
    const paths = secondPaths(repo, first, dir, name)
    const second = await buildImage(repo, name, { engine, store, paths, logger, noCache: true, load: false })
    const reproduced = second.digest === marker.digest
    const result: VerifyResult = { image: name, first: marker.digest, second: second.digest, reproduced }
    if (!reproduced) {
      const [a, b] = await Promise.all([readImage(first.layout(name)), readImage(paths.layout(name))])
      const la = a.layers.at(-1)!
      const lb = b.layers.at(-1)!
      result.diff =
        la.digest === lb.digest
          ? `layers are identical; the image configs differ:\n${await diffoscope(blobPath(first.layout(name), a.configDigest), blobPath(paths.layout(name), b.configDigest))}`
          : await diffoscope(blobPath(first.layout(name), la.digest), blobPath(paths.layout(name), lb.digest))
    }
    return result
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

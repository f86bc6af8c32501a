// Image sizes: each pushed image against its payload (the bytes of the files its app layer adds) and
// against the conventional image of the same service, `FROM debian` + `apt-get install <package>`.
// Conventional images are tagged by the hash of their Dockerfile, so re-runs reuse them.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { buildPaths, engineRefs } from '../lib/build.ts'
import { sha256hex } from '../lib/canonical.ts'
import { DOCKER } from '../lib/engine/docker.ts'
import { engineFor } from '../lib/engine/index.ts'
import { AtelierError } from '../lib/errors.ts'
import { exec } from '../lib/exec.ts'
import { readImage } from '../lib/oci/image.ts'
import { blobPath } from '../lib/oci/layer.ts'
import type { Repo } from '../lib/repo.ts'
import { BENCH_NAMESPACE } from './baseline.ts'
import { regularFileBytes } from './payload.ts'
import type { SizeRow } from './readme.ts'

/** The Debian package that ships each service (bookworm names). */
export const DEBIAN_PACKAGES: Record<string, string> = {
  redis: 'redis-server',
  nginx: 'nginx',
  haproxy: 'haproxy',
  prometheus: 'prometheus',
  'node-exporter': 'prometheus-node-exporter',
  caddy: 'caddy',
  registry: 'docker-registry',
  'redis-exporter': 'prometheus-redis-exporter',
  'nginx-exporter': 'prometheus-nginx-exporter',
}

/** The conventional Dockerfile. Lists are removed as docker-library images do, which favours it. */
export function conventionalDockerfile(debianRef: string, pkg: string): string {
  return `FROM ${debianRef}\nRUN apt-get update && apt-get install -y --no-install-recommends ${pkg} && rm -rf /var/lib/apt/lists/*\n`
}

async function imageSize(ref: string): Promise<number | undefined> {
  try {
    return Number((await exec([DOCKER, 'image', 'inspect', '-f', '{{.Size}}', ref])).trim())
  } catch {
    return undefined
  }
}

/** Size of the conventional image, building it (network on: apt-get reaches the mirror) when absent. */
async function conventionalSize(
  repo: Repo,
  cacheFile: string,
  pkg: string,
  progress: (line: string) => void,
): Promise<number> {
  const debian = repo.plans.debian
  if (!debian)
    throw new AtelierError(
      'E_BENCH_NO_DEBIAN',
      'no `debian` base in the set to build conventional images from',
      { hint: 'keep base/debian in the set' },
    )
  const dockerfile = conventionalDockerfile(debian.ref, pkg)
  const hash = sha256hex(dockerfile).slice(0, 16)
  const cache = JSON.parse(await readFile(cacheFile, 'utf8').catch(() => '{}')) as Record<string, number>
  if (cache[hash]) return cache[hash]
  const tag = `${BENCH_NAMESPACE}/conventional-${pkg}:${hash}`
  let size = await imageSize(tag)
  if (size === undefined) {
    const engine = engineFor(repo.config)
    if (!(await engine.has(debian.ref)))
      await engine.load(buildPaths(repo).layout('debian'), engineRefs(debian))
    progress(`sizes: building the conventional ${pkg} image (apt-get from the mirror)`)
    await exec([DOCKER, 'build', '-q', '--network', 'host', '-t', tag, '-'], {
      input: dockerfile,
      env: { DOCKER_BUILDKIT: '1' },
    })
    size = (await imageSize(tag))!
  }
  // Re-read: images are measured one after another, but a concurrent bench may have added entries.
  const now = JSON.parse(await readFile(cacheFile, 'utf8').catch(() => '{}')) as Record<string, number>
  await mkdir(dirname(cacheFile), { recursive: true })
  await writeFile(cacheFile, `${JSON.stringify({ ...now, [hash]: size }, null, 2)}\n`)
  return size
}

export async function benchSizes(repo: Repo, progress: (line: string) => void): Promise<SizeRow[]> {
  const paths = buildPaths(repo)
  const engine = engineFor(repo.config)
  const cacheFile = resolve(paths.root, 'bench', 'conventional-sizes.json')
  const rows: SizeRow[] = []
  for (const [name, p] of Object.entries(repo.plans)) {
    if (!p.plan.push) continue
    const layout = paths.layout(name)
    const image = await readImage(layout, p.plan.version)
    const app = image.layers.at(-1)!
    if (!(await engine.has(p.ref))) await engine.load(layout, engineRefs(p))
    const pkg = DEBIAN_PACKAGES[name]
    rows.push({
      image: name,
      version: p.plan.version,
      compressed: image.layers.reduce((n, l) => n + l.size, 0),
      uncompressed: (await imageSize(p.ref))!,
      payload: (await regularFileBytes(blobPath(layout, app.digest), { gzip: true })).bytes,
      ...(pkg ? { conventional: await conventionalSize(repo, cacheFile, pkg, progress) } : {}),
    })
  }
  return rows
}

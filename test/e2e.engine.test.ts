// End to end on a real Docker engine, BuildKit, buildah, registry and mmdebstrap: the registry
// bootstraps itself from nothing, a second build does nothing, a base pin change rebuilds exactly
// its descendants, a tampered source is refused, and both engines build from a Debian source tarball.
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildImage, buildPaths, runBuild } from '../lib/build.ts'
import { resolveDebianSource } from '../lib/debian/index.ts'
import { BuildahEngine } from '../lib/engine/buildah.ts'
import { DockerEngine } from '../lib/engine/docker.ts'
import { dependents, select } from '../lib/graph.ts'
import { serializeLock } from '../lib/lock.ts'
import { memoryLogger } from '../lib/log.ts'
import { planAll } from '../lib/plan.ts'
import { openRepo, type Repo } from '../lib/repo.ts'
import { Store } from '../lib/store.ts'
import { ROOT, SHARED_DIRS, tempRepo } from './repo.ts'

const DOCKER = '/usr/bin/docker'
const docker = (...args: string[]): string => execFileSync(DOCKER, args, { encoding: 'utf8' })
const quiet = { force: false, push: true, restartRegistry: false, json: false, quiet: true }

// A registry of its own, so the test bootstraps from nothing even where the user's registry runs.
const PORT = 5055
const REGISTRY = `127.0.0.1:${PORT}`
const CONTAINER = 'atelier-registry-e2e'
const VOLUME = 'atelier-registry-e2e-data'
const OVERRIDES = `registries: [{host: "${REGISTRY}", namespace: "atelier", insecure: true, bootstrap: true}]
registry: {port: ${PORT}, container: "${CONTAINER}", volume: "${VOLUME}"}
`

function removeRegistry(): void {
  for (const args of [
    ['rm', '-f', CONTAINER],
    ['volume', 'rm', '-f', VOLUME],
  ]) {
    try {
      execFileSync(DOCKER, args, { stdio: 'ignore' })
    } catch {}
  }
}

describe('registry bootstrap, skip and rebuild', () => {
  let repo: Repo
  beforeAll(async () => {
    removeRegistry()
    repo = await openRepo(ROOT, { configOverrides: OVERRIDES })
  })
  afterAll(removeRegistry)

  const images = ['registry', 'node-exporter', 'redis-exporter']

  it('builds the registry, starts it and pushes every image, itself included', async () => {
    await expect(fetch(`http://${REGISTRY}/v2/`).then((r) => r.status)).rejects.toThrow()
    const log = memoryLogger()
    const code = await runBuild(repo, select(repo.deps, images), { ...quiet, logger: log })
    expect(code, JSON.stringify(log.events.filter((e) => e.kind === 'failed'))).toBe(0)
    expect(
      log.events.some((e) => e.kind === 'info' && /bootstrap: no registry at 127.0.0.1:5055/.test(e.message)),
    ).toBe(true)
    const catalog = (await (await fetch(`http://${REGISTRY}/v2/_catalog`)).json()) as {
      repositories: string[]
    }
    expect(catalog.repositories.sort()).toEqual(images.map((n) => `atelier/${n}`).sort())
    for (const n of images) {
      const ref = `${REGISTRY}/atelier/${n}:latest`
      docker('pull', '-q', ref)
      const inspected = JSON.parse(
        execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' }),
      )
      expect(inspected.Labels['org.opencontainers.image.title']).toBe(n)
    }
    // The registry serving these is the image it holds.
    const running = docker('inspect', '-f', '{{.Image}}', CONTAINER).trim()
    const pulled = docker('image', 'inspect', '-f', '{{.Id}}', `${REGISTRY}/atelier/registry:latest`).trim()
    expect(running).toBe(pulled)
  })

  it('builds and uploads nothing the second time', async () => {
    const since = new Date().toISOString()
    const log = memoryLogger()
    expect(await runBuild(repo, select(repo.deps, images), { ...quiet, logger: log })).toBe(0)
    expect(log.events.filter((e) => e.kind === 'built' || e.kind === 'pushed')).toEqual([])
    expect(
      log.events
        .filter((e) => e.kind === 'cached')
        .map((e) => e.image)
        .sort(),
    ).toEqual(select(repo.deps, images).sort())
    // The registry's own access log: reads only, no upload of any kind.
    const access = execFileSync(DOCKER, ['logs', '--since', since, CONTAINER], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    expect(access).not.toMatch(/"(PUT|POST|PATCH) \/v2\//)
  })

  it('rebuilds exactly a changed base and what is built on it', async () => {
    const runtime = repo.images.runtime!
    const tz = runtime.lock.pins.tzdata!
    const images2 = {
      ...repo.images,
      runtime: {
        ...runtime,
        lock: { ...runtime.lock, pins: { ...runtime.lock.pins, tzdata: { ...tz, date: tz.date + 1 } } },
      },
    }
    const assets = Object.fromEntries(
      Object.keys(repo.assetPaths).map((k) => [k, repo.plans.redis!.plan.files[k] ?? '']),
    )
    const plans = planAll({ images: images2, config: repo.config, framework: repo.framework, assets })
    const changed = Object.keys(plans)
      .filter((n) => plans[n]!.key !== repo.plans[n]!.key)
      .sort()
    expect(changed).toEqual(['runtime', ...dependents(repo.deps, ['runtime'])].sort())
    const repo2: Repo = { ...repo, images: images2, plans }
    const log = memoryLogger()
    expect(await runBuild(repo2, select(repo.deps, ['registry']), { ...quiet, logger: log })).toBe(0)
    expect(
      log.events
        .filter((e) => e.kind === 'built')
        .map((e) => e.image)
        .sort(),
    ).toEqual(['registry', 'runtime'])
    // Put the real runtime back for the tests that follow.
    expect(
      await runBuild(repo, select(repo.deps, ['registry']), {
        ...quiet,
        push: false,
        logger: memoryLogger(),
      }),
    ).toBe(0)
  })
})

describe('a tampered source served from 127.0.0.1', () => {
  let server: Server
  let store: string
  beforeAll(async () => {
    store = await mkdtemp(join(tmpdir(), 'atelier-e2e-store-'))
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end(`not the tarball you pinned: ${req.url}\n`)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  })
  afterAll(async () => {
    server.close()
    await rm(store, { recursive: true, force: true })
  })

  it('stops the image before any build step, names the URL and both hashes, stores nothing', async () => {
    const port = (server.address() as { port: number }).port
    const repo = await openRepo(ROOT, {
      configOverrides: `debian: mirror: "http://127.0.0.1:${port}/debian"\nstoreDir: "${store}"\n`,
    })
    const file = Object.values(repo.plans.redis!.plan.sources)[0]!
    const log = memoryLogger()
    const code = await runBuild(repo, select(repo.deps, ['redis']), {
      ...quiet,
      push: false,
      force: true,
      named: ['redis'],
      logger: log,
    })
    expect(code).toBe(1)
    const failed = log.events.find((e) => e.kind === 'failed' && e.image === 'redis')
    expect(failed && 'error' in failed ? failed.error : '').toContain(
      `sha256 mismatch for http://127.0.0.1:${port}/debian/${file.url.replace(/^debian:/, '')}`,
    )
    expect(failed && 'error' in failed ? failed.error : '').toContain(`expected sha256:${file.sha256}`)
    expect(failed && 'error' in failed ? failed.error : '').toMatch(/received sha256:[0-9a-f]{64}/)
    expect(log.events.some((e) => e.kind === 'stage' && e.image === 'redis' && e.stage === 'build')).toBe(
      false,
    )
    expect(await new Store(store).has(file.sha256)).toBe(false)
  })
})

describe('both engines build from a pinned Debian source tarball', () => {
  let root: string
  let repo: Repo
  beforeAll(async () => {
    const recipe = `import runtime from '../../base/runtime/recipe.ts'
import toolchain from '../../base/toolchain/recipe.ts'
import { debianSource, image, run, upstream } from '../../lib/index.ts'
export default image({
  name: 'hello',
  version: (lock) => upstream(lock.pins.hello?.version ?? '0'),
  description: 'GNU hello from its Debian source tarball (engine test fixture)',
  pins: { hello: debianSource('hello') },
  stages: [{ name: 'build', from: toolchain, sources: ['hello'], steps: [
    run('/bin/sh', '-c', 'mkdir -p /build && tar -xzf /src/hello/*.orig.tar.gz -C /build --strip-components=1'),
    { workdir: '/build' },
    run('./configure', '--prefix=/usr/local', '--disable-nls'),
    run('make', '-j2'),
    run('install', '-D', '-s', 'hello', '/usr/local/bin/hello'),
  ] }],
  final: { from: runtime, closure: { from: 'build', binaries: ['/usr/local/bin/hello'] } },
  runtime: { entrypoint: ['/usr/local/bin/hello'] },
  exemptions: { healthcheck: 'a one-shot test program', metrics: 'a one-shot test program' },
})
`
    const config = await openRepo(ROOT)
    const hello = await resolveDebianSource(config.config, { name: 'hello' }, { root: ROOT })
    root = await tempRepo([], {
      hello: { 'recipe.ts': recipe, 'lock.json': serializeLock({ image: 'hello', pins: { hello } }) },
    })
    await writeFile(join(root, 'config/site.cue'), SHARED_DIRS)
    repo = await openRepo(root)
    // Same recipes, same keys: the bases built in the real repository are reused.
    for (const b of ['debian', 'toolchain', 'runtime']) expect(repo.plans[b]!.key).toBe(config.plans[b]!.key)
    expect(
      await runBuild(repo, select(repo.deps, ['runtime', 'toolchain']), {
        ...quiet,
        push: false,
        logger: memoryLogger(),
      }),
    ).toBe(0)
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  for (const engine of [new DockerEngine(), new BuildahEngine()]) {
    it(`with ${engine.kind}: builds base/runtime and hello, and the image runs under docker`, async () => {
      const out = await mkdtemp(join(tmpdir(), `atelier-e2e-${engine.kind}-`))
      const shared = buildPaths(repo)
      const own = buildPaths(repo, out)
      const paths = {
        ...own,
        layout: (n: string) => (n === 'debian' || n === 'toolchain' ? shared.layout(n) : own.layout(n)),
      }
      const store = new Store(join(ROOT, '.atelier/store'))
      const deps = { engine, store, paths, logger: memoryLogger(), noCache: true }
      const runtime = await buildImage(repo, 'runtime', deps)
      const hello = await buildImage(repo, 'hello', deps)
      expect(runtime.digest).toMatch(/^sha256:/)
      const tag = `atelier-e2e/hello-${engine.kind}:test`
      await new DockerEngine().load(paths.layout('hello'), [tag])
      expect(docker('run', '--rm', '--read-only', '--cap-drop', 'ALL', tag).trim()).toBe('Hello, world!')
      expect(docker('image', 'inspect', '-f', '{{.Config.User}}', tag).trim()).toBe('65532:65532')
      // base/runtime from this engine is the one the docker-built pipeline packed (same digest).
      const marker = JSON.parse(await readFile(join(shared.layout('runtime'), 'atelier.json'), 'utf8')) as {
        digest: string
      }
      expect(runtime.digest).toBe(marker.digest)
      expect(hello.bytes).toBeGreaterThan(0)
      docker('rmi', tag)
      await rm(out, { recursive: true, force: true })
    })
  }
})

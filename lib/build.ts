// Building a selection of images: decide what is already built (registry key tags, local layouts),
// then fetch, engine-build, pack, load and push in dependency order, independent images in parallel.
// One failing image stops only its dependents; the summary says what built, what was cached, what failed.

import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { copyFile, cp, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import pLimit from 'p-limit'
import { ensureRegistry } from './bootstrap.ts'
import { resolveUrl } from './debian/mirror.ts'
import { buildDebianSystem } from './debian/system.ts'
import { type Engine, engineFor } from './engine/index.ts'
import { AtelierError, EXIT } from './errors.ts'
import { ancestors } from './graph.ts'
import { consoleLogger, type Logger } from './log.ts'
import { writeImage } from './oci/image.ts'
import { layerFromTar } from './oci/layer.ts'
import type { LockedDebianSystem } from './pin.ts'
import type { PlannedImage } from './plan.ts'
import { RegistryClient } from './registry/client.ts'
import { APP_STAGE, CONTEXT } from './render.ts'
import type { Repo } from './repo.ts'
import { imageConfig, ownerOf } from './runtime.ts'
import { Store } from './store.ts'
import { checkStructure, listLayoutFiles } from './structure.ts'

export interface BuildOptions {
  force: boolean
  push: boolean
  restartRegistry: boolean
  json: boolean
  quiet: boolean
  /** The images named on the command line: `force` rebuilds these (all selected when absent), not their ancestors. */
  named?: string[]
  /** Stream engine output to stderr. */
  verbose?: boolean
  /** Build with an empty engine cache (pnpm verify). */
  noCache?: boolean
  engine?: 'docker' | 'buildah'
  /** Build directory override (pnpm verify builds in a fresh one). */
  buildDir?: string
  logger?: Logger
}

export interface BuildPaths {
  root: string
  context: (name: string) => string
  out: (name: string) => string
  layout: (name: string) => string
  log: (name: string) => string
}

export function buildPaths(repo: Repo, buildDir?: string): BuildPaths {
  const root = buildDir ?? resolve(repo.root, repo.config.buildDir)
  return {
    root,
    context: (n) => join(root, 'context', n),
    out: (n) => join(root, 'out', n),
    layout: (n) => join(root, 'oci', n),
    log: (n) => join(root, 'logs', `${n}.log`),
  }
}

/** The local refs an image is loaded under in the engine. */
export function engineRefs(p: PlannedImage): string[] {
  const repo = `atelier/${p.plan.image}`
  return [p.ref, `${repo}:${p.plan.version}`, `${repo}:latest`]
}

export function registryRepo(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name
}

/** Marker written after an image is packed and loaded: the key it was built from. */
interface Marker {
  key: string
  digest: string
  bytes: number
}

async function readMarker(paths: BuildPaths, name: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(join(paths.layout(name), 'atelier.json'), 'utf8')) as Marker
  } catch {
    return undefined
  }
}

/** Place a store file into a context without copying when possible. */
async function place(src: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true })
  await rm(dest, { force: true })
  try {
    await link(src, dest)
  } catch {
    await copyFile(src, dest)
  }
}

/**
 * Write an image's build context: Dockerfile, its `files/`, framework assets, an empty folder for
 * writable paths, and every pinned source fetched through the store (verified by sha256).
 */
export async function prepareContext(repo: Repo, name: string, store: Store, dir: string): Promise<void> {
  const p = repo.plans[name]!.plan
  await rm(dir, { recursive: true, force: true })
  await mkdir(join(dir, CONTEXT.empty), { recursive: true })
  await writeFile(join(dir, 'Dockerfile'), p.dockerfile)
  const filesDir = join(repo.root, repo.images[name]!.dir, 'files')
  if (existsSync(filesDir)) await cp(filesDir, join(dir, CONTEXT.files), { recursive: true })
  for (const [ctxPath, src] of Object.entries(repo.assetPaths)) {
    if (ctxPath in p.files) await place(src, join(dir, ctxPath))
  }
  for (const [ctxPath, file] of Object.entries(p.sources)) {
    const stored = await store.fetch(resolveUrl(file.url, repo.config), file.sha256)
    await place(stored, join(dir, ctxPath))
  }
}

async function gunzipTo(src: string, dest: string): Promise<void> {
  await pipeline(createReadStream(src), createGunzip(), createWriteStream(dest))
}

/** The root filesystem of a base made from a pin (Debian system or a rootfs tarball). */
async function baseRootfs(repo: Repo, name: string, store: Store, out: string, log: string): Promise<string> {
  const img = repo.images[name]!
  const planned = repo.plans[name]!
  const pin = img.lock.pins[img.recipe.rootfs!]!
  const tar = join(out, 'rootfs.tar')
  if (pin.kind === 'debian-system') {
    await buildDebianSystem(repo.config, pin as LockedDebianSystem, tar, {
      epoch: planned.plan.epoch,
      log: (line: string) => void writeFile(log, `${line}\n`, { flag: 'a' }),
    })
    return tar
  }
  const file = pin.files[0]
  if (!file)
    throw new AtelierError(
      'E_ROOTFS',
      `${name}: pin ${img.recipe.rootfs} has no file to use as a root filesystem`,
    )
  const stored = await store.fetch(resolveUrl(file.url, repo.config), file.sha256)
  if (/\.(tgz|gz)$/.test(file.name)) await gunzipTo(stored, tar)
  else await copyFile(stored, tar)
  return tar
}

export interface Built {
  name: string
  digest: string
  bytes: number
  seconds: number
}

/** Build one image whose parents are already loaded in the engine and packed under build/oci. */
export async function buildImage(
  repo: Repo,
  name: string,
  deps: {
    engine: Engine
    store: Store
    paths: BuildPaths
    logger: Logger
    noCache?: boolean
    load?: boolean
    verbose?: boolean
  },
): Promise<Built> {
  const { engine, store, paths, logger } = deps
  const planned = repo.plans[name]!
  const { plan } = planned
  const img = repo.images[name]!
  const started = performance.now()
  const out = paths.out(name)
  const layout = paths.layout(name)
  const log = paths.log(name)
  await rm(out, { recursive: true, force: true })
  await mkdir(out, { recursive: true })
  await mkdir(dirname(log), { recursive: true })
  await writeFile(log, `# atelier build of ${name} (key ${planned.key})\n`)

  // Parents packed earlier (or by another engine) enter this engine from their layouts.
  for (const parent of repo.deps[name]!) {
    const pp = repo.plans[parent]!
    if (!(await engine.has(pp.ref))) await engine.load(paths.layout(parent), engineRefs(pp), log)
  }

  let tar: string
  if (img.recipe.rootfs) {
    logger.emit({ kind: 'stage', image: name, stage: 'fetch', detail: 'root filesystem' })
    tar = await baseRootfs(repo, name, store, out, log)
  } else {
    logger.emit({
      kind: 'stage',
      image: name,
      stage: 'fetch',
      detail: `${Object.keys(plan.sources).length} source file(s)`,
    })
    const ctx = paths.context(name)
    await prepareContext(repo, name, store, ctx)
    logger.emit({
      kind: 'stage',
      image: name,
      stage: 'build',
      detail: `${engine.kind}, network ${plan.network ? 'on' : 'off'}`,
    })
    tar = join(out, 'app.tar')
    await engine.build({
      context: ctx,
      target: APP_STAGE,
      outTar: tar,
      network: plan.network,
      platform: plan.platform,
      logFile: log,
      epoch: plan.epoch,
      ...(deps.noCache ? { noCache: true } : {}),
      ...(deps.verbose ? { verbose: true } : {}),
    })
  }

  logger.emit({ kind: 'stage', image: name, stage: 'pack' })
  await rm(layout, { recursive: true, force: true })
  await mkdir(join(layout, 'blobs'), { recursive: true })
  const layer = await layerFromTar(tar, join(layout, 'blobs'), {
    epoch: plan.epoch,
    // Final images: root owns everything but the declared writable paths. Bases keep their owners.
    ...(img.recipe.rootfs ? {} : { owner: ownerOf(img.recipe.final?.writable ?? [], plan.runtime) }),
  })
  const base = img.recipe.final?.from
  const parentName = base && base !== 'scratch' ? (typeof base === 'string' ? base : base.name) : undefined
  const image = await writeImage(layout, {
    ...(parentName ? { parent: { layoutDir: paths.layout(parentName) } } : {}),
    layer,
    config: imageConfig(plan.runtime),
    epoch: plan.epoch,
    platform: plan.platform,
    history: `atelier ${name} ${plan.version} (${plan.recipe})`,
    refName: plan.version,
  })
  await rm(out, { recursive: true, force: true })

  // The runtime contract on the image's own files, before anything loads or pushes it.
  if (plan.kind !== 'base') {
    const files = await listLayoutFiles(layout)
    const problems = checkStructure({
      files,
      runtime: plan.runtime,
      exemptions: img.recipe.exemptions ?? {},
      writable: img.recipe.final?.writable ?? [],
    })
    if (problems.length) {
      throw new AtelierError(
        'E_STRUCTURE',
        `${name} breaks the runtime contract:\n${problems.map((p) => `  ${p.check}: ${p.message}`).join('\n')}`,
        { hint: 'fix the recipe (or declare an exemption with its reason in `exemptions`)' },
      )
    }
  }

  if (deps.load !== false) {
    logger.emit({ kind: 'stage', image: name, stage: 'load', detail: engine.kind })
    await engine.load(layout, engineRefs(planned), log)
  }
  const bytes = image.layers.reduce((n, l) => n + l.size, 0)
  const marker: Marker = { key: planned.key, digest: image.manifestDigest, bytes }
  await writeFile(join(layout, 'atelier.json'), `${JSON.stringify(marker)}\n`)
  const seconds = (performance.now() - started) / 1000
  logger.emit({ kind: 'built', image: name, digest: image.manifestDigest, seconds, bytes })
  return { name, digest: image.manifestDigest, bytes, seconds }
}

export function clientsFor(repo: Repo): RegistryClient[] {
  return repo.config.registries.map((r) => new RegistryClient(r))
}

/** Whether every configured registry holds this image's key tag. */
async function inRegistries(clients: RegistryClient[], repo: Repo, name: string): Promise<boolean> {
  const p = repo.plans[name]!
  const tag = p.tags[1]!
  const results = await Promise.all(
    clients.map((c, i) =>
      c.hasManifest(registryRepo(repo.config.registries[i]!.namespace, name), tag).catch(() => undefined),
    ),
  )
  return results.every((d) => d !== undefined)
}

export async function pushImage(
  repo: Repo,
  name: string,
  paths: BuildPaths,
  clients: RegistryClient[],
  logger: Logger,
): Promise<void> {
  const p = repo.plans[name]!
  logger.emit({ kind: 'stage', image: name, stage: 'push' })
  for (const [i, client] of clients.entries()) {
    const reg = repo.config.registries[i]!
    // Blobs this image shares with others (base/runtime's layer, the healthcheck helper) are mounted
    // from a sibling repository instead of uploaded again.
    const siblings = Object.keys(repo.plans)
      .filter((n) => n !== name && repo.plans[n]!.plan.push)
      .map((n) => registryRepo(reg.namespace, n))
    const target = registryRepo(reg.namespace, name)
    // The key tag is what says "built and complete": it goes last, after the attachments, so an
    // interrupted push or attach is redone by the next build instead of being skipped.
    const keyTag = p.tags[1]!
    const r = await client.pushImage(
      paths.layout(name),
      target,
      p.tags.filter((t) => t !== keyTag),
      { mountFrom: siblings },
    )
    // SBOMs and provenance as referrers of the manifest (loaded lazily: the CycloneDX library is slow to import).
    const { attach } = await import('./attach.ts')
    await attach(repo, name, client, target, r.digest, { layout: paths.layout })
    const manifest = await client.getManifest(target, r.digest)
    await client.putManifest(target, keyTag, manifest.mediaType, manifest.body)
    logger.emit({
      kind: 'pushed',
      image: name,
      registry: reg.host,
      tags: p.tags,
      blobsUploaded: r.uploaded,
      blobsSkipped: r.skipped + r.mounted,
    })
  }
}

/** The last lines of an image's engine log, for failure messages. */
async function logTail(path: string, lines: number): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined)
  if (!text) return undefined
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

type Outcome =
  | { status: 'built'; built: Built }
  | { status: 'cached'; where: string }
  | { status: 'failed'; error: string }
  | { status: 'skipped'; because: string }

export async function runBuild(repo: Repo, selected: string[], opts: BuildOptions): Promise<number> {
  const started = performance.now()
  const logger =
    opts.logger ?? consoleLogger({ json: opts.json, quiet: opts.quiet, live: !opts.json && !opts.quiet })
  const engine = engineFor(repo.config, opts.engine)
  const store = new Store(resolve(repo.root, repo.config.storeDir))
  const paths = buildPaths(repo, opts.buildDir)
  for (const n of selected)
    if (repo.plans[n]!.plan.deprecated)
      logger.emit({ kind: 'warn', image: n, message: `DEPRECATED: ${repo.plans[n]!.plan.deprecated}` })

  let clients: RegistryClient[] = []
  if (opts.push && repo.config.registries.length) {
    await ensureRegistry(repo, { engine, store, paths, logger, restart: opts.restartRegistry })
    clients = clientsFor(repo)
  }

  // What is already where it should be: pushable images in every registry, bases packed locally.
  const wanted = new Set(selected)
  const remote = new Map<string, boolean>()
  const local = new Map<string, boolean>()
  await Promise.all(
    selected.map(async (n) => {
      const p = repo.plans[n]!
      remote.set(
        n,
        opts.push && p.plan.push && clients.length > 0 ? await inRegistries(clients, repo, n) : false,
      )
      // Packed under build/oci with this key; the engine gets it (loaded, not rebuilt) only when
      // something built on it must be built: no engine round trip per image in a no-op build.
      local.set(n, (await readMarker(paths, n))?.key === p.key)
    }),
  )
  const done = (n: string): boolean =>
    repo.plans[n]!.plan.push && opts.push ? remote.get(n)! : local.get(n)!
  const forced = new Set(opts.force ? (opts.named?.length ? opts.named : selected) : [])
  const toBuild = new Set(
    selected.filter(
      (n) => forced.has(n) || (!done(n) && !(repo.plans[n]!.plan.push && opts.push && local.get(n))),
    ),
  )
  // Parents of anything we build must be packed locally: build those that are not.
  for (const n of [...toBuild]) for (const a of ancestors(repo.deps, [n])) if (!local.get(a)) toBuild.add(a)
  for (const a of toBuild) wanted.add(a)
  const order = Object.keys(repo.plans).filter((n) => wanted.has(n))
  logger.emit({
    kind: 'plan',
    images: order,
    levels: repo.levels.map((l) => l.filter((n) => wanted.has(n))).filter((l) => l.length),
  })

  const limit = pLimit(repo.config.concurrency)
  const outcomes = new Map<string, Promise<Outcome>>()
  const run = (n: string): Promise<Outcome> => {
    const existing = outcomes.get(n)
    if (existing) return existing
    const parents = repo.deps[n]!.filter((d) => wanted.has(d))
    const promise = (async (): Promise<Outcome> => {
      const ps = await Promise.all(parents.map(run))
      const bad = parents.filter((_, i) => ps[i]!.status === 'failed' || ps[i]!.status === 'skipped')
      if (bad.length) {
        logger.emit({ kind: 'skipped', image: n, because: `${bad.join(', ')} failed` })
        return { status: 'skipped', because: `${bad.join(', ')} failed` }
      }
      const pushable = opts.push && repo.plans[n]!.plan.push && clients.length > 0
      try {
        if (!toBuild.has(n)) {
          if (pushable && !remote.get(n)) {
            await pushImage(repo, n, paths, clients, logger)
            return { status: 'cached', where: 'local build, now pushed' }
          }
          const where = pushable
            ? `key ${repo.plans[n]!.tags[1]} in ${clients.length} registr${clients.length === 1 ? 'y' : 'ies'}`
            : 'local'
          logger.emit({ kind: 'cached', image: n, where })
          return { status: 'cached', where }
        }
        const built = await limit(() =>
          buildImage(repo, n, {
            engine,
            store,
            paths,
            logger,
            ...(opts.noCache ? { noCache: true } : {}),
            ...(opts.verbose ? { verbose: true } : {}),
          }),
        )
        if (pushable) await pushImage(repo, n, paths, clients, logger)
        return { status: 'built', built }
      } catch (e) {
        const err = e instanceof AtelierError ? e : undefined
        const message = err ? `[${err.code}] ${err.message}` : e instanceof Error ? e.message : String(e)
        const tail = await logTail(paths.log(n), 15)
        logger.emit({
          kind: 'failed',
          image: n,
          error: message,
          ...(err?.hint ? { hint: err.hint } : {}),
          ...(tail ? { logTail: tail } : {}),
        })
        return { status: 'failed', error: message }
      }
    })()
    outcomes.set(n, promise)
    return promise
  }
  const results = await Promise.all(order.map(async (n) => [n, await run(n)] as const))
  printSummary(results, logger)
  // Per-image build times for `pnpm bench` (sequential sum and critical path against this wall time).
  // Written only when something was built, so no-op runs keep the last real build's times.
  if (results.some(([, o]) => o.status === 'built')) {
    const images = Object.fromEntries(
      results.map(([n, o]) => [
        n,
        { status: o.status, ...(o.status === 'built' ? { seconds: o.built.seconds } : {}) },
      ]),
    )
    const record = {
      at: new Date().toISOString(),
      wallSeconds: (performance.now() - started) / 1000,
      concurrency: repo.config.concurrency,
      force: opts.force,
      push: opts.push,
      noCache: opts.noCache ?? false,
      images,
    }
    await writeFile(join(paths.root, 'last-build.json'), `${JSON.stringify(record, null, 2)}\n`).catch(
      () => undefined,
    )
  }
  return results.some(([, o]) => o.status === 'failed' || o.status === 'skipped') ? EXIT.failed : EXIT.ok
}

function printSummary(results: (readonly [string, Outcome])[], logger: Logger): void {
  const row = (n: string, o: Outcome): string[] => {
    switch (o.status) {
      case 'built':
        return [
          n,
          'built',
          `${o.built.seconds.toFixed(1)}s`,
          `${(o.built.bytes / 1e6).toFixed(1)} MB`,
          o.built.digest.slice(7, 19),
        ]
      case 'cached':
        return [n, 'cached', '', '', o.where]
      case 'failed':
        return [n, 'FAILED', '', '', o.error.split('\n')[0]!]
      case 'skipped':
        return [n, 'skipped', '', '', o.because]
    }
  }
  const rows = results.map(([n, o]) => row(n, o))
  const head = ['image', 'result', 'time', 'size', 'detail']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  const counts = ['built', 'cached', 'FAILED', 'skipped'].map(
    (s) => `${rows.filter((r) => r[1] === s).length} ${s.toLowerCase()}`,
  )
  logger.emit({
    kind: 'info',
    message: ['', line(head), ...rows.map(line), '', `summary: ${counts.join(', ')}`].join('\n'),
  })
}

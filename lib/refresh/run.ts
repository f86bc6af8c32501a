// `pnpm refresh`: resolve every pin of the selected images in parallel, keep failed pins as they were,
// verify new files into the store, write changed locks atomically, re-render the whole set, and commit
// one change per image. Works on repositories whose locks do not validate yet (new pins).
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import pLimit from 'p-limit'
import { type BomChange, bomOf, diffBom } from '../bom.ts'
import { canonicalJson } from '../canonical.ts'
import { type Config, loadConfig } from '../config.ts'
import { AtelierError, EXIT, GraphError, UpstreamChangedError } from '../errors.ts'
import { dependents, order } from '../graph.ts'
import { graphOf, imageDirs, type LoadedImage, loadImage } from '../images.ts'
import { type Lock, writeAtomic, writeLock } from '../lock.ts'
import type { LockedPin, PinFile } from '../pin.ts'
import { renderAll } from '../render-all.ts'
import { openRepo, type Repo } from '../repo.ts'
import { Store } from '../store.ts'
import { type CommitNotes, commitMessage, cvesIn, debianChangelog, dirtyPaths, gitCommit } from './commit.ts'
import type { RefreshContext, RefreshModule } from './context.ts'
import { defaultResolver } from './defaults.ts'
import { rewriteUrl } from './http.ts'

export interface RefreshOptions {
  /** Images to refresh; empty means all. */
  images?: string[]
  /** Change nothing; report what is out of date. */
  check?: boolean
  /** One git commit per changed image. */
  commit?: boolean
  /** Re-pin files that changed upstream under an unchanged version. */
  acceptChanged?: boolean
  /** Extra CUE over config/site.cue. */
  configOverrides?: string
  /** Progress lines (lookups, downloads); default: none. */
  progress?: (line: string) => void
}

export type PinStatus = 'unchanged' | 'updated' | 'new' | 'failed' | 'no-resolver'

export interface PinOutcome {
  pin: string
  status: PinStatus
  before?: LockedPin
  after?: LockedPin
  error?: { code: string; message: string; hint?: string }
  /** A file changed upstream under the same version and --accept-changed re-pinned it. */
  acceptedChange?: string
  notes: string[]
}

export interface ImageOutcome {
  image: string
  dir: string
  pins: PinOutcome[]
  /** BOM changes (what the commit subject says). */
  changes: BomChange[]
  lockChanged: boolean
  failed: boolean
  /** The new lock (equal to the old one when nothing changed). */
  lock: Lock
  commit?: string
  message?: { subject: string; body: string }
}

export interface RefreshResult {
  images: ImageOutcome[]
  /** Images whose cache key changed: they and their descendants are what the next build rebuilds. */
  keysChanged: string[]
  /** Dockerfiles written by the re-render. */
  rendered: string[]
  /** Problems after writing (the repo does not validate, e.g. a new pin failed to resolve). */
  problems: string[]
  /** Process exit code: 0 all current/refreshed, 1 (EXIT.failed) something failed or, with --check, is out of date. */
  exitCode: number
  /** The repository after the refresh, when it opened (for --build). */
  repo?: Repo
}

function errorInfo(e: unknown): { code: string; message: string; hint?: string } {
  // Duck-typed: a refresh.ts may load its own copy of lib/errors.ts (symlinked or vendored lib).
  const x = e as { code?: unknown; hint?: unknown } | undefined
  if (e instanceof Error && typeof x?.code === 'string')
    return { code: x.code, message: e.message, ...(typeof x.hint === 'string' ? { hint: x.hint } : {}) }
  return { code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) }
}

/** Equal apart from the date: a re-published index (Debian Release dates move daily) is no change. */
function samePin(a: LockedPin, b: LockedPin): boolean {
  return canonicalJson({ ...a, date: 0 }) === canonicalJson({ ...b, date: 0 })
}

function allFiles(p: LockedPin): PinFile[] {
  return [...p.files, ...(p.kind === 'url' ? (p.committed ?? []) : [])]
}

/** Files whose bytes changed while the version stayed: the first one, or undefined. */
function changedUnderVersion(before: LockedPin, after: LockedPin): UpstreamChangedError | undefined {
  if (before.kind !== after.kind || before.version !== after.version) return undefined
  const old = new Map(allFiles(before).map((f) => [f.url, f]))
  for (const f of allFiles(after)) {
    const o = old.get(f.url)
    if (o && o.sha256 !== f.sha256) return new UpstreamChangedError(f.url, o.sha256, f.sha256)
  }
  return undefined
}

async function loadRefreshModule(root: string, img: LoadedImage): Promise<RefreshModule> {
  const path = join(root, img.dir, 'refresh.ts')
  if (!existsSync(path)) return {}
  const mod = (await import(pathToFileURL(path).href)) as { default?: RefreshModule }
  if (!mod.default || typeof mod.default !== 'object')
    throw new AtelierError('E_REFRESH_LOAD', `${img.dir}/refresh.ts has no default export`, {
      exitCode: EXIT.invalid,
      hint: 'end it with `export default defineRefresh({...})`',
    })
  for (const pin of Object.keys(mod.default))
    if (!(pin in img.recipe.pins))
      throw new AtelierError(
        'E_REFRESH_LOAD',
        `${img.dir}/refresh.ts resolves "${pin}", which the recipe does not pin`,
        {
          exitCode: EXIT.invalid,
          hint: `declare it in ${img.recipePath} or remove it from refresh.ts`,
        },
      )
  return mod.default
}

interface Staged {
  path: string
  data: Uint8Array
}

/** Resolve one image's pins (in parallel under `limit`); nothing is written here. */
async function resolveImage(
  config: Config,
  root: string,
  store: Store,
  img: LoadedImage,
  limit: <T>(fn: () => Promise<T>) => Promise<T>,
  opts: RefreshOptions,
): Promise<{ pins: PinOutcome[]; staged: Staged[] }> {
  let mod: RefreshModule
  try {
    mod = await loadRefreshModule(root, img)
  } catch (e) {
    const error = errorInfo(e)
    return {
      pins: Object.keys(img.recipe.pins).map((pin) => {
        const before = img.lock.pins[pin]
        return { pin, status: 'failed', ...(before ? { before } : {}), error, notes: [] }
      }),
      staged: [],
    }
  }
  const staged: Staged[] = []
  const pins = await Promise.all(
    Object.entries(img.recipe.pins).map(async ([pin, spec]): Promise<PinOutcome> => {
      const before = img.lock.pins[pin]
      const base = { pin, ...(before ? { before } : {}) }
      const resolver = mod[pin] ?? defaultResolver(spec)
      if (!resolver) {
        const error = {
          code: 'E_NO_RESOLVER',
          message: `${img.name}.${pin}: a ${spec.kind} pin needs a resolver in ${img.dir}/refresh.ts`,
          hint: `add \`${pin}: (ctx) => listing(ctx, {...})\` (or githubRelease, vendor, ...) to ${img.dir}/refresh.ts`,
        }
        return { ...base, status: before ? 'no-resolver' : 'failed', error, notes: [] }
      }
      const notes: string[] = []
      const mine: Staged[] = []
      const ctx: RefreshContext = {
        config,
        root,
        store,
        ...(before ? { current: before } : {}),
        image: img.name,
        dir: img.dir,
        pin,
        spec,
        acceptChanged: opts.acceptChanged ?? false,
        note: (t) => void notes.push(t),
        stageFile: (path, data) => void mine.push({ path: join(root, img.dir, path), data }),
      }
      let after: LockedPin
      try {
        opts.progress?.(`${img.name}.${pin}: looking up (${spec.kind})`)
        after = await limit(() => resolver(ctx))
        if (after.kind !== spec.kind)
          throw new AtelierError(
            'E_REFRESH_KIND',
            `${img.dir}/refresh.ts resolved "${pin}" to a ${after.kind} pin; the recipe declares ${spec.kind}`,
            { hint: 'make the resolver and the recipe agree' },
          )
      } catch (e) {
        return { ...base, status: 'failed', error: errorInfo(e), notes }
      }
      if (before && samePin(before, after)) return { ...base, status: 'unchanged', after: before, notes: [] }
      let acceptedChange: string | undefined
      if (before) {
        const changed = changedUnderVersion(before, after)
        if (changed && !opts.acceptChanged)
          return { ...base, status: 'failed', error: errorInfo(changed), notes }
        if (changed) acceptedChange = changed.message
      }
      if (!opts.check) {
        // Every new file must be in the store and intact before the lock names it.
        try {
          await Promise.all(
            after.files.map((f) =>
              limit(() => store.fetch(/^https?:/.test(f.url) ? rewriteUrl(config, f.url) : f.url, f.sha256)),
            ),
          )
        } catch (e) {
          return { ...base, status: 'failed', error: errorInfo(e), notes }
        }
      }
      staged.push(...mine)
      return {
        ...base,
        status: before ? 'updated' : 'new',
        after,
        notes,
        ...(acceptedChange ? { acceptedChange } : {}),
      }
    }),
  )
  return { pins, staged }
}

async function keysOf(
  root: string,
  overrides: string,
): Promise<{ keys: Record<string, string>; repo?: Repo }> {
  try {
    const repo = await openRepo(root, { configOverrides: overrides, skipPolicy: true })
    return { keys: Object.fromEntries(Object.entries(repo.plans).map(([n, p]) => [n, p.key])), repo }
  } catch {
    return { keys: {} }
  }
}

async function notesFor(
  config: Config,
  root: string,
  store: Store,
  outcome: PinOutcome[],
): Promise<CommitNotes> {
  const notes: CommitNotes = { sections: [], cves: [] }
  for (const o of outcome) {
    if (o.status !== 'updated' && o.status !== 'new') continue
    for (const n of o.notes) {
      notes.sections.push({ title: `${o.pin}: release notes`, text: n })
      notes.cves.push(...cvesIn(n))
    }
    if (o.before && o.after && o.before.version !== o.after.version) {
      const log = await debianChangelog(config, store, o.after, o.before.version, root).catch(
        (e: unknown) => ({
          text: `(changelog unavailable: ${errorInfo(e).message.split('\n')[0]})`,
          cves: [] as string[],
        }),
      )
      if (log?.text)
        notes.sections.push({ title: `${o.pin}: Debian changelog since ${o.before.version}`, text: log.text })
      if (log) notes.cves.push(...log.cves)
    }
  }
  return notes
}

export async function runRefresh(root: string, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const overrides = opts.configOverrides ?? ''
  const config = await loadConfig(root, overrides)
  // Not loadImages: it validates, and a lock missing a new pin is exactly what refresh repairs.
  const loaded = await Promise.all((await imageDirs(root)).map((d) => loadImage(root, d)))
  const images = Object.fromEntries(loaded.map((l) => [l.name, l]))
  const deps = graphOf(images)
  const wanted = opts.images?.length ? opts.images : Object.keys(images)
  for (const n of wanted)
    if (!images[n])
      throw new GraphError(
        'E_UNKNOWN_IMAGE',
        `unknown image "${n}"`,
        `known images: ${Object.keys(images).sort().join(', ')}`,
      )
  const selected = order(deps).filter((n) => wanted.includes(n))

  const before = await keysOf(root, overrides)
  const store = new Store(resolve(root, config.storeDir), { config })
  const limit = pLimit(Math.max(config.refresh?.concurrency ?? 8, config.concurrency))

  const resolved = await Promise.all(
    selected.map(async (name) => ({
      name,
      ...(await resolveImage(config, root, store, images[name]!, limit, opts)),
    })),
  )

  const outcomes: ImageOutcome[] = []
  for (const r of resolved) {
    const img = images[r.name]!
    const pins: Record<string, LockedPin> = {}
    for (const o of r.pins) {
      const p = o.after ?? o.before
      if (p) pins[o.pin] = p
    }
    const lock: Lock = { image: img.recipe.name, pins }
    const lockChanged = canonicalJson(lock) !== canonicalJson({ image: img.lock.image, pins: img.lock.pins })
    outcomes.push({
      image: r.name,
      dir: img.dir,
      pins: r.pins,
      changes: diffBom(bomOf(img.lock.pins), bomOf(pins)),
      lockChanged,
      failed: r.pins.some((o) => o.status === 'failed'),
      lock,
    })
    if (!opts.check && lockChanged) {
      for (const s of r.staged) {
        await mkdir(dirname(s.path), { recursive: true })
        await writeAtomic(s.path, s.data)
      }
      await writeLock(join(root, img.dir, 'lock.json'), lock)
    }
  }

  const result: RefreshResult = {
    images: outcomes,
    keysChanged: [],
    rendered: [],
    problems: [],
    exitCode: EXIT.ok,
  }
  const anyFailed = outcomes.some((o) => o.failed)
  if (opts.check) {
    result.exitCode = anyFailed || outcomes.some((o) => o.lockChanged) ? EXIT.failed : EXIT.ok
    return result
  }

  // Re-render the whole set: new pins change the plans (and FROM lines) of every descendant.
  const after = await (async () => {
    try {
      return await openRepo(root, { configOverrides: overrides, skipPolicy: true })
    } catch (e) {
      result.problems.push(errorInfo(e).message)
      return undefined
    }
  })()
  if (after) {
    result.repo = after
    result.rendered = (await renderAll(after)).written
    result.keysChanged = order(after.deps).filter((n) => before.keys[n] !== after.plans[n]?.key)
  }

  if (opts.commit) {
    const changedNames = new Set(outcomes.filter((o) => o.lockChanged).map((o) => o.image))
    for (const o of outcomes) {
      if (!o.lockChanged) continue
      const repinned = o.pins.filter((p) => p.status === 'updated' || p.status === 'new').map((p) => p.pin)
      o.message = commitMessage(o.image, o.changes, repinned, await notesFor(config, root, store, o.pins))
      // The image folder, plus the generated files (Dockerfile, README) of descendants re-rendered because
      // of it; a descendant that changed itself gets its own commit.
      const desc = [...dependents(deps, [o.image])]
        .filter((d) => !changedNames.has(d))
        .map((d) => `${images[d]!.dir}/`)
      const extra = await dirtyPaths(
        root,
        result.rendered.filter((f) => desc.some((d) => f.startsWith(d))),
      )
      const sha = await gitCommit(root, [o.dir, ...extra], o.message)
      if (sha) o.commit = sha
    }
  }
  result.exitCode = anyFailed || result.problems.length ? EXIT.failed : EXIT.ok
  return result
}

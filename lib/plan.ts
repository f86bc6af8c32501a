// Resolve recipes + locks + config into Plans: pure JSON per image and platform, and each Plan's
// cache key, the sha256 of its canonical form. Parents enter a Plan by their keys (a Merkle chain),
// so a changed base pin changes the key of every image built on it, before anything is built.
import { bomOf } from './bom.ts'
import { canonicalJson, sha256hex } from './canonical.ts'
import type { Config } from './config.ts'
import { order } from './graph.ts'
import { graphOf, type LoadedImage } from './images.ts'
import { type LockedPin, newestDate, type PinFile } from './pin.ts'
import { upstream } from './recipe.ts'
import { CONTEXT, renderDockerfile, sourceFiles } from './render.ts'
import { type ResolvedRuntime, resolveRuntime } from './runtime.ts'

export const PLAN_SCHEMA = 1

export interface Plan {
  schema: number
  /** Framework version: a new packer or renderer invalidates every key. */
  framework: string
  image: string
  kind: 'image' | 'base'
  version: string
  platform: string
  recipe: string
  /** SOURCE_DATE_EPOCH: the newest pinned input's date, never the clock. */
  epoch: number
  /** Images this one is built from, with their keys. */
  parents: Record<string, string>
  pins: Record<string, LockedPin>
  /** Files fetched into the build context: context path -> where from and sha256. */
  sources: Record<string, PinFile>
  /** Files copied from the image folder and the framework: context path -> sha256. */
  files: Record<string, string>
  dockerfile: string
  runtime: ResolvedRuntime
  /** A step needs network (policy warns); otherwise builds run with none. */
  network: boolean
  push: boolean
  deprecated?: string
}

export interface PlannedImage {
  plan: Plan
  key: string
  /** Engine-local reference: `atelier/<name>:key-<key>`. */
  ref: string
  tags: string[]
}

export function keyOf(plan: Plan): string {
  return sha256hex(canonicalJson(plan))
}

export function keyTag(key: string): string {
  return `key-${key.slice(0, 32)}`
}

export function localRef(name: string, key: string): string {
  return `atelier/${name}:${keyTag(key)}`
}

/** An image's version as a valid tag: Debian's `~`, `+` and `:` become `-`, `_`, `_`. */
export function versionOf(img: LoadedImage): string {
  const v = img.recipe.version
  const raw = typeof v === 'function' ? v(img.lock) : v
  return raw
    .replace(/~/g, '-')
    .replace(/[+:]/g, '_')
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 128)
}

export interface PlanInput {
  images: Record<string, LoadedImage>
  config: Config
  framework: string
  /** Framework files copied into contexts (closure script): context path -> sha256. */
  assets: Record<string, string>
}

/** Plan every image for one platform, in dependency order. */
export function planAll(
  input: PlanInput,
  platform = input.config.platforms[0] ?? 'linux/amd64',
): Record<string, PlannedImage> {
  const deps = graphOf(input.images)
  const out: Record<string, PlannedImage> = {}
  for (const name of order(deps)) {
    const img = input.images[name]!
    const parents: Record<string, string> = {}
    const refs: Record<string, string> = {}
    for (const d of deps[name]!) {
      parents[d] = out[d]!.key
      refs[d] = out[d]!.ref
    }
    const plan = planImage(input, img, platform, parents, refs)
    const key = keyOf(plan)
    out[name] = { plan, key, ref: localRef(name, key), tags: [plan.version, keyTag(key), 'latest'] }
  }
  return out
}

function planImage(
  input: PlanInput,
  img: LoadedImage,
  platform: string,
  parents: Record<string, string>,
  refs: Record<string, string>,
): Plan {
  const { recipe, lock } = img
  const { config } = input
  const version = versionOf(img)
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': recipe.name,
    'org.opencontainers.image.description': recipe.description,
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.vendor': config.labels.vendor,
    'org.opencontainers.image.source': config.labels.source,
    'org.opencontainers.image.url': `${config.labels.source}/tree/main/${img.dir}`,
    ...(config.labels.licenses ? { 'org.opencontainers.image.licenses': config.labels.licenses } : {}),
  }
  const runtime = resolveRuntime(recipe, config.runtime, labels)
  const epoch = newestDate(lock.pins)
  const bom = bomOf(lock.pins)
  const dockerfile = renderDockerfile({
    recipe,
    lock,
    refs,
    runtime,
    bom,
    recipePath: img.recipePath,
    vars: {
      uid: String(runtime.user.uid),
      gid: String(runtime.user.gid),
      epoch: String(epoch),
      name: recipe.name,
      version,
    },
  })
  const sources: Record<string, PinFile> = {}
  const pinsUsed = new Set<string>([...recipe.stages.flatMap((s) => s.sources ?? [])])
  for (const pin of [...pinsUsed].sort()) {
    const files = lock.pins[pin]?.files ?? []
    for (const [i, f] of sourceFiles(lock, pin).entries()) sources[f.context] = files[i]!
  }
  const files: Record<string, string> = { ...img.files }
  if (recipe.final?.closure) files[CONTEXT.closureScript] = input.assets[CONTEXT.closureScript]!
  const network = recipe.stages.some((s) => s.steps.some((st) => 'run' in st && st.network !== undefined))
  return {
    schema: PLAN_SCHEMA,
    framework: input.framework,
    image: recipe.name,
    kind: recipe.kind ?? 'image',
    version,
    platform,
    recipe: img.recipePath,
    epoch,
    parents,
    pins: lock.pins,
    sources,
    files,
    dockerfile,
    runtime,
    network,
    push: (recipe.kind ?? 'image') === 'image',
    ...(recipe.deprecated ? { deprecated: recipe.deprecated } : {}),
  }
}

export { upstream }

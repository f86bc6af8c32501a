// Opening the repository: config, recipes, locks, validation, policy and plans, in that order.
// Everything before `planAll` is reading; nothing here builds, fetches or talks to a registry.
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sha256hex } from './canonical.ts'
import { type Config, checkPolicy, loadConfig } from './config.ts'
import { ValidationError } from './errors.ts'
import { type Deps, levels } from './graph.ts'
import { graphOf, type LoadedImage, loadImages } from './images.ts'
import { type PlannedImage, planAll } from './plan.ts'
import { CONTEXT } from './render.ts'

export const LIB_DIR = dirname(fileURLToPath(import.meta.url))

export interface Repo {
  root: string
  config: Config
  images: Record<string, LoadedImage>
  deps: Deps
  levels: string[][]
  framework: string
  /** Framework files copied into build contexts: context path -> absolute path on disk. */
  assetPaths: Record<string, string>
  plans: Record<string, PlannedImage>
}

/** Sources whose changes change the bytes of built images: the packer and the image config. */
export const PACKER_SOURCES = ['oci/layer.ts', 'oci/image.ts', 'runtime.ts']

/**
 * The framework part of every cache key: lib's version plus a hash of the packer's sources, so a
 * change in how layers are written rebuilds everything without anyone remembering to bump a version.
 */
export async function frameworkVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(LIB_DIR, 'package.json'), 'utf8')) as { version: string }
  const sources = await Promise.all(PACKER_SOURCES.map((f) => readFile(join(LIB_DIR, f))))
  return `${pkg.version}+${sha256hex(Buffer.concat(sources)).slice(0, 12)}`
}

export interface OpenOptions {
  /** Extra CUE layered over config/site.cue (tests, `--config`). */
  configOverrides?: string
  /** Skip the CUE policy check (it is cached, but tests of other things need not pay for it). */
  skipPolicy?: boolean
}

export async function openRepo(root: string, opts: OpenOptions = {}): Promise<Repo> {
  const [config, images, framework] = await Promise.all([
    loadConfig(root, opts.configOverrides ?? ''),
    loadImages(root),
    frameworkVersion(),
  ])
  const deps = graphOf(images)
  const lv = levels(deps)
  const assetPaths = { [CONTEXT.closureScript]: join(LIB_DIR, 'assets/closure.sh') }
  const assets: Record<string, string> = {}
  for (const [k, p] of Object.entries(assetPaths)) assets[k] = sha256hex(await readFile(p))
  const plans = planAll({ images, config, framework, assets })
  if (!opts.skipPolicy) {
    const blocks: Record<string, unknown> = {}
    for (const [name, p] of Object.entries(plans)) {
      if (p.plan.kind === 'base') continue
      const ex = images[name]!.recipe.exemptions ?? {}
      const { user, entrypoint, ports, volumes, stopSignal } = p.plan.runtime
      blocks[name] = {
        ...(ex.root ? {} : { user }),
        entrypoint,
        ports,
        volumes,
        ...(stopSignal ? { stopSignal } : {}),
      }
    }
    const problems = await checkPolicy(root, blocks)
    if (problems.length) {
      throw new ValidationError(
        problems.map((p) => ({ path: `${p.image}.runtime`, message: `config/policy.cue: ${p.message}` })),
      )
    }
  }
  return { root, config, images, deps, levels: lv, framework, assetPaths, plans }
}

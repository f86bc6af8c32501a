// The repository's image set: every `images/*/recipe.ts` and `base/*/recipe.ts`, with its lock and
// the hashes of its `files/` folder. Reading the repo is the only I/O before a Plan exists.
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { sha256hex } from './canonical.ts'
import { AtelierError, EXIT, type Problem, ValidationError } from './errors.ts'
import type { Deps } from './graph.ts'
import { type Lock, readLock } from './lock.ts'
import type { Recipe } from './recipe.ts'
import { CONTEXT, referencedImages } from './render.ts'
import { validateRecipe, validateSet } from './validate.ts'

export interface LoadedImage {
  name: string
  /** Folder relative to the repository root, e.g. `images/redis`. */
  dir: string
  recipePath: string
  recipe: Recipe
  lock: Lock
  /** Files of the image's `files/` folder: context path -> sha256. */
  files: Record<string, string>
}

export const IMAGE_ROOTS = ['base', 'images'] as const

/** Image folders (holding a recipe.ts) under base/ and images/. */
export async function imageDirs(root: string): Promise<string[]> {
  const out: string[] = []
  for (const top of IMAGE_ROOTS) {
    const dir = join(root, top)
    if (!existsSync(dir)) continue
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      if (e.isDirectory() && existsSync(join(dir, e.name, 'recipe.ts'))) out.push(`${top}/${e.name}`)
    }
  }
  return out
}

async function hashTree(
  root: string,
  dir: string,
  prefix: string,
  out: Record<string, string>,
): Promise<void> {
  if (!existsSync(dir)) return
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name)
    if (e.isDirectory()) await hashTree(root, p, `${prefix}/${e.name}`, out)
    else if (e.isFile()) out[`${prefix}/${e.name}`] = sha256hex(await readFile(p))
  }
}

export async function loadImage(root: string, dir: string): Promise<LoadedImage> {
  const recipePath = `${dir}/recipe.ts`
  let mod: { default?: Recipe }
  try {
    mod = (await import(pathToFileURL(join(root, recipePath)).href)) as { default?: Recipe }
  } catch (e) {
    throw new AtelierError('E_RECIPE_LOAD', `${recipePath} failed to load: ${(e as Error).message}`, {
      exitCode: EXIT.invalid,
      hint: 'fix the recipe (run `pnpm typecheck` to see type errors)',
      cause: e,
    })
  }
  const recipe = mod.default
  if (!recipe || typeof recipe !== 'object') {
    throw new AtelierError('E_RECIPE_LOAD', `${recipePath} has no default export`, {
      exitCode: EXIT.invalid,
      hint: 'end it with `export default image({...})`',
    })
  }
  const lock = await readLock(join(root, dir, 'lock.json'), recipe.name)
  const files: Record<string, string> = {}
  await hashTree(root, join(root, dir, 'files'), CONTEXT.files, files)
  return { name: recipe.name, dir, recipePath, recipe, lock, files }
}

/**
 * Load and validate the whole set. Every problem in every recipe is reported at once
 * (ValidationError) before any work starts.
 */
export async function loadImages(root: string): Promise<Record<string, LoadedImage>> {
  const dirs = await imageDirs(root)
  const loaded = await Promise.all(dirs.map((d) => loadImage(root, d)))
  const problems: Problem[] = validateSet(loaded.map((l) => ({ recipe: l.recipe, path: l.recipePath })))
  for (const l of loaded)
    problems.push(...validateRecipe({ recipe: l.recipe, lock: l.lock, folder: l.dir.split('/')[1]! }))
  if (problems.length) throw new ValidationError(problems)
  return Object.fromEntries(loaded.map((l) => [l.name, l]))
}

/** Graph edges of the set: image -> the images it is built from. */
export function graphOf(images: Record<string, LoadedImage>): Deps {
  const deps: Deps = {}
  for (const [name, img] of Object.entries(images)) deps[name] = referencedImages(img.recipe)
  return deps
}

export function relativeTo(root: string, p: string): string {
  return relative(root, p)
}

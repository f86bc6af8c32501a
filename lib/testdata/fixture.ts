// The fixture repository (lib/testdata/repo) for tests and for scripts/regen-golden.ts: where it is,
// how to copy it somewhere writable, and its Dockerfiles rendered with normalised image keys.
import { cp, readdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Config } from '../config.ts'
import { loadImages } from '../images.ts'
import { planAll } from '../plan.ts'
import { CONTEXT } from '../render.ts'

export const TESTDATA = dirname(fileURLToPath(import.meta.url))
export const LIB = dirname(TESTDATA)
export const REPO_ROOT = dirname(LIB)
export const FIXTURE_ROOT = join(TESTDATA, 'repo')
/** Committed render goldens, one `<image>.Dockerfile` each. */
export const GOLDEN_DIR = join(TESTDATA, 'render')
/** The fixture's configuration as CUE evaluates it (a golden too: lib/config.test.ts compares). */
export const CONFIG_GOLDEN = join(TESTDATA, 'config.json')

/** The fixture's configuration without starting CUE (tests of planning and rendering need not pay). */
export async function fixtureConfig(): Promise<Config> {
  return JSON.parse(await readFile(CONFIG_GOLDEN, 'utf8')) as Config
}

/**
 * Copy the fixture repo to `dest` (a temp dir). Its recipes import lib by relative path, which would
 * dangle outside lib/testdata, so the copy imports lib by absolute path instead; the package.json
 * makes tsx load the recipes as ES modules (Deno needs neither).
 */
export async function copyFixture(dest: string): Promise<void> {
  // The CUE cache (.atelier/cache) comes along: it is keyed by content, so it stays valid in the copy
  // and spares each copy CUE's start.
  await cp(FIXTURE_ROOT, dest, { recursive: true })
  for (const top of ['base', 'images']) {
    for (const name of await readdir(join(dest, top))) {
      const p = join(dest, top, name, 'recipe.ts')
      const text = await readFile(p, 'utf8')
      await writeFile(p, text.replaceAll(`'../../../../`, `'${LIB}/`))
    }
  }
  await writeFile(join(dest, 'package.json'), '{ "type": "module" }\n')
}

/**
 * Each fixture image's Dockerfile as planned from the fixture repo, with parents' cache keys replaced
 * by `key-<key>`: render goldens change when rendering changes, not whenever any plan field does.
 */
export async function renderFixture(): Promise<Record<string, string>> {
  const [config, images] = await Promise.all([fixtureConfig(), loadImages(FIXTURE_ROOT)])
  const assets = { [CONTEXT.closureScript]: '0'.repeat(64) }
  const plans = planAll({ images, config, framework: 'golden', assets })
  const out: Record<string, string> = {}
  for (const name of Object.keys(plans).sort())
    out[name] = plans[name]!.plan.dockerfile.replace(/:key-[0-9a-f]{32}\b/g, ':key-<key>')
  return out
}

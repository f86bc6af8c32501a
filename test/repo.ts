// Engine-test support: the real repository and temporary copies of parts of it. A copy keeps the
// real build directory and store, so bases already built there are reused (same recipes, same keys).
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** CUE text pointing a repository at the real build directory and store. */
export const SHARED_DIRS = `buildDir: "${ROOT}/build"\nstoreDir: "${ROOT}/.atelier/store"\n`

/**
 * A temporary repository holding config/, base/ and the named image folders of the real one, with
 * `../../lib/` imports made absolute, plus extra image folders given as { name: { file: text } }.
 */
export async function tempRepo(
  images: string[],
  extra: Record<string, Record<string, string>> = {},
): Promise<string> {
  const dest = await mkdtemp(join(tmpdir(), 'atelier-e2e-'))
  await cp(join(ROOT, 'config'), join(dest, 'config'), { recursive: true })
  await cp(join(ROOT, 'base'), join(dest, 'base'), { recursive: true })
  for (const name of images)
    await cp(join(ROOT, 'images', name), join(dest, 'images', name), { recursive: true })
  for (const [name, files] of Object.entries(extra)) {
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(dest, 'images', name, file)), { recursive: true })
      await writeFile(join(dest, 'images', name, file), text)
    }
  }
  for (const top of ['base', 'images']) {
    for (const name of await readdir(join(dest, top)).catch(() => [])) {
      for (const file of ['recipe.ts', 'refresh.ts', 'test.ts']) {
        const p = join(dest, top, name, file)
        const text = await readFile(p, 'utf8').catch(() => undefined)
        if (text !== undefined) await writeFile(p, text.replaceAll(`'../../lib/`, `'${ROOT}/lib/`))
      }
    }
  }
  await writeFile(join(dest, 'package.json'), '{ "type": "module" }\n')
  return dest
}

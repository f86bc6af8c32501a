// The generated reference: fields, types, JSDoc text, @default and @example come from the sources, and
// --check notices a JSDoc change that was not regenerated.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { generateReference, OUTPUT, referenceMarkdown, SOURCES } from './gen-reference.ts'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/** Table cells are padded to align columns: compare with runs of spaces collapsed. */
const flat = (text: string): string => text.replace(/ {2,}/g, ' ')

describe('gen-reference', () => {
  const md = flat(referenceMarkdown(ROOT))

  it('documents interface fields with type, requiredness, JSDoc and @example', () => {
    expect(md).toContain('### Recipe')
    expect(md).toMatch(/\| `name` \| `string` \| \*\*required\*\* \| Image name: [^|]*Example: `'redis'` \|/)
    expect(md).toMatch(
      /\| `stopTimeout` \| `number` \| optional \| Seconds the app needs to stop cleanly\. Default: `10`\. \|/,
    )
  })

  it('documents each variant of a union type, and builders with their signature and example', () => {
    expect(md).toContain("#### Probe: kind `'http'`")
    expect(md).toContain(
      '| `status` | `[number, number]` | optional | Accepted status range. Default: `[200, 399]`. |',
    )
    expect(md).toContain("#### PinSpec: kind `'debian-source'`")
    expect(md).toContain('```ts\nrun(...argv: string[]): Step\n```')
    expect(md).toContain("```ts\npins: { tzdata: debianPackage('tzdata') }\n```")
  })

  it('--check fails when a JSDoc changed and passes once regenerated', async () => {
    const root = await mkdtemp(join(tmpdir(), 'atelier-ref-'))
    dirs.push(root)
    await mkdir(join(root, 'lib'))
    for (const f of SOURCES) await cp(join(ROOT, f), join(root, f))
    expect(await generateReference(root, { check: true })).toBe(false)
    await generateReference(root, { check: false })
    expect(await generateReference(root, { check: true })).toBe(true)
    const recipe = join(root, 'lib/recipe.ts')
    await writeFile(
      recipe,
      (await readFile(recipe, 'utf8')).replace('One line on what the image is.', 'One short line.'),
    )
    expect(await generateReference(root, { check: true })).toBe(false)
    await generateReference(root, { check: false })
    expect(flat(await readFile(join(root, OUTPUT), 'utf8'))).toContain(
      '| `description` | `string` | **required** | One short line. |',
    )
  })
})

import { describe, expect, it } from 'vitest'
import { BEGIN, END, imageTable, replaceBlock } from './readme.ts'

const row = {
  image: 'redis',
  version: '7.0.15',
  compressed: 3_200_000,
  uncompressed: 8_000_000,
  payload: 2_000_000,
  conventional: 296_000_000,
}

describe('imageTable', () => {
  it('has one row per image with the ratio to the conventional image', () => {
    const t = imageTable([row, { ...row, image: 'caddy', conventional: undefined }])
    expect(t).toContain('| redis | `7.0.15` | 3.20 MB | 8.00 MB | 296.0 MB | 37x |')
    expect(t).toContain('| caddy | `7.0.15` | 3.20 MB | 8.00 MB | - | - |')
  })
})

describe('replaceBlock', () => {
  it('appends an Images section with the markers when there are none', () => {
    const out = replaceBlock('# atelier\n\ntext\n', 'TABLE')
    expect(out).toBe(
      `# atelier\n\ntext\n\n## Images\n\nMeasured by \`pnpm bench --readme\`. Conventional: the same Debian base + \`apt-get install\` of the\nservice's Debian package (lists removed); ratio = conventional / uncompressed.\n\n${BEGIN}\nTABLE\n${END}\n`,
    )
  })

  it('replaces only what is between the markers', () => {
    const before = `head\n${BEGIN}\nold\n${END}\ntail\n`
    expect(replaceBlock(before, 'new')).toBe(`head\n${BEGIN}\nnew\n${END}\ntail\n`)
    expect(replaceBlock(replaceBlock(before, 'new'), 'new')).toBe(replaceBlock(before, 'new'))
  })

  it('refuses a lone marker', () => {
    expect(() => replaceBlock(`x\n${BEGIN}\n`, 'new')).toThrow(/one image-table marker/)
  })
})

// The report page from the fixture repo: one graph node per image, one edge per dependency, one table
// row per image, each result in its cell, "not built"/"not run" on a fresh clone, and no scripts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRepo } from './repo.ts'
import { NOW, type ReportFixture, reportFixture } from './report.fixture.ts'
import { formatAge, formatBytes, gatherReport, layoutGraph, renderReport, writeReport } from './report.ts'
import { readBuilt, readTestStatus, StatusError } from './status.ts'
import { copyFixture } from './testdata/fixture.ts'

let fx: ReportFixture
let html: string
const dirs: string[] = []

beforeAll(async () => {
  fx = await reportFixture()
  dirs.push(fx.root)
  const { path } = await writeReport(fx.repo, { now: NOW, buildDir: fx.buildDir })
  html = await readFile(path, 'utf8')
})
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/** The `<tr>` of one image. */
function row(name: string): string {
  const m = html.match(new RegExp(`<tr id="img-${name}"[\\s\\S]*?</tr>`))
  if (!m) throw new Error(`no row for ${name}`)
  return m[0]
}

describe('report page', () => {
  it('draws one node per image and one edge per dependency', () => {
    const names = Object.keys(fx.repo.plans).sort()
    const nodes = [...html.matchAll(/<g class="node [^"]*" data-image="([^"]+)"/g)].map((m) => m[1]).sort()
    expect(nodes).toEqual(names)
    const edges = [...html.matchAll(/<path class="edge" data-from="([^"]+)" data-to="([^"]+)"/g)]
      .map((m) => `${m[1]}->${m[2]}`)
      .sort()
    const expected = Object.entries(fx.repo.deps)
      .flatMap(([n, ds]) => ds.map((d) => `${d}->${n}`))
      .sort()
    expect(expected.length).toBeGreaterThan(3)
    expect(edges).toEqual(expected)
  })

  it('styles bases apart from images and marks build state', () => {
    expect(html).toMatch(/<g class="node base none" data-image="os"/)
    expect(html).toMatch(/<g class="node image current" data-image="app1"/)
    expect(html).toMatch(/<g class="node image outdated" data-image="app2"/)
  })

  it('has one table row per image, in build order', () => {
    const rows = [...html.matchAll(/<tr id="img-([^"]+)" class="image-row"/g)].map((m) => m[1])
    expect(rows).toEqual(fx.repo.levels.flat())
  })

  it('shows pins with their age against `now`', () => {
    const r = row('app1')
    expect(r).toContain('1.4.2-1~deb12u1')
    // app1's pin is dated 1733000000: 30 days before NOW.
    expect(r).toMatch(/<span class="age" title="published 2024-11-30">30 d<\/span>/)
  })

  it('shows sizes, the conventional size, reproducibility, tests, SBOM and audit of a built image', async () => {
    const r = row('app1')
    const built = await readBuilt(fx.buildDir, 'app1', { uncompressed: true })
    expect(built?.digest).toBe(fx.app1Digest)
    expect(built!.uncompressed!).toBeGreaterThan(50_000)
    expect(r).toContain(`${formatBytes(built!.compressed)}</span> <span class="muted">compressed`)
    expect(r).toContain(`${formatBytes(built!.uncompressed!)} <span class="muted">uncompressed`)
    expect(r).toContain('295.0 MB')
    expect(r).toContain('<span class="ok">reproduced</span>')
    expect(r).toContain('health ok')
    expect(r).toContain('metrics failed')
    expect(r).toContain('no samples on :9090/metrics')
    expect(r).toContain('<summary>3/5 checks</summary>')
    expect(r).toContain('<a href="../../images/app1/sbom.spdx.json">SPDX</a>')
    expect(r).toContain('libssl3')
    expect(r).toContain('bookworm-security')
  })

  it('marks an image built from an older key and escapes result text', () => {
    const r = row('app2')
    expect(r).toContain('>outdated</span>')
    expect(r).toContain('<span class="bad">differs</span>')
    expect(r).not.toContain('<script>')
    expect(r).toContain('&#60;script&#62;')
    expect(r).toContain('none newer')
  })

  it('says "not built" and "not run" for what is missing', () => {
    const r = row('healthcheck')
    expect(r).toContain('not built')
    // reproducible, tests, and the audit (which covered app1 and app2 only)
    expect(r.match(/not run/g)?.length).toBe(3)
  })

  it('is self-contained: no scripts, no external resources', () => {
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/<link /i)
    expect(html).not.toMatch(/(src|href)="https?:/)
  })

  it('is deterministic for the same inputs', async () => {
    const again = await gatherReport(fx.repo, { now: NOW, buildDir: fx.buildDir, outDir: fx.outDir })
    expect(renderReport(again)).toBe(html)
  })
})

describe('report on a fresh clone', () => {
  it('works with nothing built and no result files', async () => {
    const root = await mkdtemp(join(tmpdir(), 'atelier-report-fresh-'))
    dirs.push(root)
    await copyFixture(root)
    const repo = await openRepo(root, { skipPolicy: true })
    const { path, data } = await writeReport(repo, { now: NOW })
    expect(path).toBe(join(root, 'build', 'report', 'index.html'))
    const page = await readFile(path, 'utf8')
    const n = Object.keys(repo.plans).length
    expect(data.images.every((r) => !r.built && r.problems.length === 0)).toBe(true)
    expect(page.match(/<td>[\s\S]*?not built/g)?.length).toBeGreaterThanOrEqual(n)
    expect(page).toContain('audit not run')
  })

  it('lists a malformed result file as unreadable instead of failing', async () => {
    await writeFile(join(fx.buildDir, 'test-results', 'app2.json'), '{"image":"app2","ok":"yes"}')
    await expect(readTestStatus(fx.buildDir, 'app2')).rejects.toBeInstanceOf(StatusError)
    await writeFile(
      join(fx.buildDir, 'test-results', 'app2.json'),
      '{"image":"app2","ok":true,"checks":{"healthy":{"status":"fine"}}}',
    )
    await expect(readTestStatus(fx.buildDir, 'app2')).rejects.toThrow('checks.healthy.status')
    await writeFile(join(fx.buildDir, 'test-results', 'app2.json'), '{"image":"app2","ok":"yes"}')
    const data = await gatherReport(fx.repo, { now: NOW, buildDir: fx.buildDir, outDir: fx.outDir })
    const app2 = data.images.find((r) => r.name === 'app2')!
    expect(app2.problems.join('\n')).toContain('ok: expected boolean, found string')
    expect(renderReport(data)).toContain('unreadable results')
    await rm(join(fx.buildDir, 'test-results', 'app2.json'))
  })
})

describe('layout', () => {
  it('puts levels in columns, left to right, with boxes that do not overlap', () => {
    const deps = { a: [], b: [], c: ['a'], d: ['a', 'b'], e: ['c', 'd'] }
    const { boxes, width, height } = layoutGraph([['a', 'b'], ['c', 'd'], ['e']], deps)
    expect(boxes.a!.x).toBe(boxes.b!.x)
    expect(boxes.c!.x).toBeGreaterThan(boxes.a!.x + boxes.a!.w)
    expect(boxes.e!.x).toBeGreaterThan(boxes.d!.x + boxes.d!.w)
    expect(boxes.d!.y).toBeGreaterThanOrEqual(boxes.c!.y + boxes.c!.h)
    for (const b of Object.values(boxes)) {
      expect(b.x + b.w).toBeLessThanOrEqual(width)
      expect(b.y + b.h).toBeLessThanOrEqual(height)
    }
  })

  it('orders a column by the mean row of its dependencies', () => {
    // z depends on the top box, y on the bottom one: z goes first despite its name.
    const { boxes } = layoutGraph(
      [
        ['a', 'b'],
        ['y', 'z'],
      ],
      { a: [], b: [], y: ['b'], z: ['a'] },
    )
    expect(boxes.z!.y).toBeLessThan(boxes.y!.y)
  })

  it('routes an edge that skips a column through a lane clear of that column`s boxes', () => {
    // h is used by c (next column) and by e (two columns on): the h -> e edge must not cross c or d.
    const deps = { h: [], c: ['h'], d: [], e: ['h', 'c'] }
    const { boxes, edges } = layoutGraph([['d', 'h'], ['c'], ['e']], deps)
    const long = edges.find((e) => e.from === 'h' && e.to === 'e')!
    expect(long.points).toHaveLength(4)
    const [lx, ly] = long.points[1]!
    const [rx] = long.points[2]!
    const c = boxes.c!
    expect(lx).toBe(c.x)
    expect(rx).toBe(c.x + c.w)
    expect(ly < c.y || ly > c.y + c.h).toBe(true)
    expect(edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual(['c->e', 'h->c', 'h->e'])
  })

  it('formats ages and sizes', () => {
    expect([formatAge(0), formatAge(30), formatAge(90), formatAge(800)]).toEqual([
      'today',
      '30 d',
      '3 mo',
      '2.2 y',
    ])
    expect([formatBytes(999), formatBytes(1500), formatBytes(17_500_000)]).toEqual([
      '999 B',
      '1.5 kB',
      '17.5 MB',
    ])
  })
})

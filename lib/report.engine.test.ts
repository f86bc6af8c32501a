// The report page in a real browser (Debian's headless Chromium through playwright-core): the SVG graph
// renders one visible box per image, the table one row per image, nothing is fetched from outside the
// file, and a screenshot is kept at build/report/report.png for people to look at.
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type BrowserContext, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NOW, type ReportFixture, reportFixture } from './report.fixture.ts'
import { writeReport } from './report.ts'
import { REPO_ROOT } from './testdata/fixture.ts'

const CHROMIUM = '/usr/bin/chromium'
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const present = existsSync(CHROMIUM)
if (!present) console.warn(`report browser test skipped: ${CHROMIUM} is absent (apt-get install chromium)`)

describe.skipIf(!present)(`report page in headless Chromium (${CHROMIUM})`, () => {
  let fx: ReportFixture
  let profile: string
  let browser: BrowserContext
  let url: string

  beforeAll(async () => {
    fx = await reportFixture()
    const { path } = await writeReport(fx.repo, { now: NOW, buildDir: fx.buildDir })
    url = pathToFileURL(path).href
    // A fresh profile each run (--user-data-dir): nothing carried over between runs.
    profile = await mkdtemp(join(tmpdir(), 'atelier-chromium-'))
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1400, height: 900 },
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    if (profile) await rm(profile, { recursive: true, force: true })
    if (fx) await rm(fx.root, { recursive: true, force: true })
  })

  it('renders the graph and the table, fetching nothing, and saves a screenshot', async () => {
    const page = await browser.newPage()
    const requests: string[] = []
    page.on('request', (r) => {
      requests.push(r.url())
    })
    await page.goto(url, { waitUntil: 'load' })
    const names = fx.repo.levels.flat()

    const nodes = page.locator('svg.graph g.node')
    expect(await nodes.count()).toBe(names.length)
    for (const n of names) {
      const box = await page.locator(`svg.graph g.node[data-image="${n}"] rect:not(.state)`).boundingBox()
      expect(box, n).not.toBeNull()
      expect(box!.width, n).toBeGreaterThan(40)
      expect(box!.height, n).toBeGreaterThan(20)
    }
    // Every box is inside the drawing and no two boxes overlap.
    const boxes = await page.$$eval('svg.graph g.node', (gs) =>
      gs.map((g) => {
        const r = g.getBoundingClientRect()
        return { x: r.x, y: r.y, w: r.width, h: r.height }
      }),
    )
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!
        const b = boxes[j]!
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y
        expect(apart, `boxes ${i} and ${j} overlap`).toBe(true)
      }
    const edgeCount = Object.values(fx.repo.deps).reduce((n, d) => n + d.length, 0)
    expect(await page.locator('svg.graph path.edge').count()).toBe(edgeCount)
    const edgeBox = await page.locator('svg.graph path.edge').first().boundingBox()
    expect(edgeBox!.width).toBeGreaterThan(0)

    const rows = page.locator('table.images tbody tr')
    expect(await rows.count()).toBe(names.length)
    expect((await rows.first().boundingBox())!.height).toBeGreaterThan(10)
    expect(await page.locator('tr#img-app1').textContent()).toContain('reproduced')
    expect(await page.locator('tr#img-healthcheck').textContent()).toContain('not built')

    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([])

    await mkdir(join(REPO_ROOT, 'build', 'report'), { recursive: true })
    const shot = join(REPO_ROOT, 'build', 'report', 'report.png')
    await page.screenshot({ path: shot, fullPage: true })
    expect(existsSync(shot)).toBe(true)
  }, 60_000)
})

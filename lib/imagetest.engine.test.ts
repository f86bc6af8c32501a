// Image tests against a real Docker engine: one fixture image per check it breaks (lib/fixtures/imagetest),
// and one that passes. Asserts what a user reads in the table's footnotes and in the kept logs.
import { execFile } from 'node:child_process'
import { chmod, copyFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DOCKER,
  type ImageResult,
  type ImageUnderTest,
  imageFromRef,
  resultsTable,
  testImages,
} from './imagetest.ts'

const sh = promisify(execFile)
const FIXTURES = join(import.meta.dirname, 'fixtures/imagetest')
const HELPER_SRC = join(import.meta.dirname, '../base/healthcheck/files/healthcheck.c')
const NAMES = ['pass', 'root', 'novolume', 'neverhealthy', 'badmetrics', 'exporter'] as const
const tag = (n: string): string => `atelier-fixture/${n}:test-${process.pid}`

let work = ''
let results: Record<string, ImageResult> = {}
let table = ''

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagetest-'))
  const helper = join(work, 'healthcheck')
  await sh('musl-gcc', ['-static', '-Os', '-Wall', '-Wextra', '-Werror', '-o', helper, HELPER_SRC])
  await Promise.all(
    NAMES.map(async (n) => {
      const ctx = join(work, n)
      await cp(join(FIXTURES, n), ctx, { recursive: true })
      await copyFile('/bin/busybox', join(ctx, 'busybox'))
      await copyFile(helper, join(ctx, 'healthcheck'))
      // git keeps no directory modes: the app may write /data as far as permissions go.
      if (n === 'novolume') await chmod(join(ctx, 'data'), 0o1777)
      await sh(DOCKER, ['build', '-q', '-t', tag(n), ctx], { env: { ...process.env, DOCKER_BUILDKIT: '1' } })
    }),
  )
  const shell = { shell: 'the fixture app is a busybox shell script' }
  const imgs: ImageUnderTest[] = []
  for (const n of NAMES) {
    if (n === 'exporter') continue
    const img = await imageFromRef(tag(n), { name: n, exemptions: shell })
    if (n === 'pass') img.testFile = join(FIXTURES, 'pass/test.ts')
    if (n === 'badmetrics') img.runtime.stopTimeout = 1
    imgs.push(img)
  }
  // The pass image again, its metrics served by a sidecar exporter image on port 9100.
  const exporter = await imageFromRef(tag('exporter'), { name: 'exporter' })
  const app = await imageFromRef(tag('pass'), { name: 'exported', exemptions: shell })
  app.runtime.metrics = { port: 9100, path: '/metrics', exporter: 'exporter' }
  app.exporter = { name: 'exporter', ref: exporter.ref, runtime: exporter.runtime }
  imgs.push(app)
  const list = await testImages(imgs, { logDir: join(work, 'logs') })
  results = Object.fromEntries(list.map((r) => [r.image, r]))
  table = resultsTable(list)
}, 180_000)

afterAll(async () => {
  await sh(DOCKER, ['image', 'rm', '-f', ...NAMES.map(tag)]).catch(() => undefined)
  await rm(work, { recursive: true, force: true })
})

describe('test:images on fixture images', () => {
  it('passes a healthy, scrapable, tested, gracefully stopping image', () => {
    const r = results.pass!
    expect(r.checks.healthy).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^healthy after/) })
    expect(r.checks.metrics).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/:8080\/metrics: 2 families, 2 samples$/),
    })
    expect(r.checks.test).toEqual({ status: 'ok', detail: 'passed' })
    expect(r.checks.stop).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^exited 0 .* after SIGTERM$/),
    })
    expect(r.checks.structure).toMatchObject({ status: 'ok' })
    expect(r.ok).toBe(true)
    expect(r.logFile).toBeUndefined()
  })

  it('fails a root image on structure, and only there', () => {
    const r = results.root!
    expect(r.ok).toBe(false)
    expect(r.checks.structure).toEqual({
      status: 'failed',
      detail: 'runs as uid 0 (root): set runtime.user, or exemptions.root with the reason',
    })
    expect(r.checks.healthy.status).toBe('ok')
    expect(r.checks.stop.status).toBe('ok')
  })

  it('fails an app writing to an undeclared volume under --read-only, showing its log', async () => {
    const r = results.novolume!
    expect(r.checks.healthy.status).toBe('failed')
    expect(r.checks.healthy.detail).toBe(
      "exited with code 1 before becoming healthy\nsh: can't create /data/state: Read-only file system",
    )
    expect(r.checks.stop).toEqual({ status: 'skipped', detail: 'not running (exited)' })
    expect(await readFile(r.logFile!, 'utf8')).toContain("can't create /data/state: Read-only file system")
  })

  it('fails a healthcheck that never passes, with the probe output', () => {
    const r = results.neverhealthy!
    expect(r.checks.healthy.status).toBe('failed')
    expect(r.checks.healthy.detail).toMatch(
      /^unhealthy after [\d.]+s: last probe exited 1: healthcheck: tcp 127\.0\.0\.1:9999: connect: Connection refused\nlistening on nothing$/,
    )
  })

  it('fails a malformed metrics page naming the line, and an app killed at stop', () => {
    const r = results.badmetrics!
    expect(r.checks.healthy.status).toBe('ok')
    expect(r.checks.metrics.status).toBe('failed')
    expect(r.checks.metrics.detail).toMatch(
      /^http:\/\/[\d.]+:8080\/metrics: line 3: label "path": unterminated value$/,
    )
    expect(r.checks.stop).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/^killed after [\d.]+s: did not exit within 1s of SIGTERM/),
    })
  })

  it('scrapes through an exporter started in the app network namespace', () => {
    const r = results.exported!
    expect(r.checks.metrics).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/:9100\/metrics: 1 families, 1 samples$/),
    })
    expect(r.ok).toBe(true)
  })

  it('prints a table with one row per image and footnotes for failures', () => {
    const lines = table.split('\n')
    expect(lines[0]).toBe('image        | healthy | metrics | test | stop | structure | time')
    expect(lines[2]).toMatch(/^pass {9}\| ok {6}\| ok {6}\| ok {3}\| ok {3}\| ok {8}\| [\d.]+s$/)
    expect(lines[3]).toMatch(/^root {9}\| ok {6}\| ok {6}\| - {4}\| ok {3}\| FAIL {6}\| [\d.]+s$/)
    expect(table).toContain('root structure: runs as uid 0 (root)')
    expect(table).toContain('novolume: logs kept in ')
  })
})

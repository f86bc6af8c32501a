// End to end: a tiny repository in a temp dir (a base image from a listing, an app with a vendored file)
// whose upstream is a 127.0.0.1 fixture; `pnpm refresh` runs as the CLI does.
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256hex } from '../canonical.ts'
import { EXIT } from '../errors.ts'
import { parseLock } from '../lock.ts'
import { runRefresh } from './run.ts'
import { type Fixture, serveFixture } from './testing.ts'

const MAIN = join(import.meta.dirname, '../..')
const TSX = join(MAIN, 'node_modules/.bin/tsx')
let up: Fixture
let root: string

/** Run a hack/ script as the CLI does (async: the fixture server lives in this process). */
function cli(script: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(TSX, [join(MAIN, 'hack', script), ...args], {
    cwd: root,
    env: { ...process.env, ATELIER_ROOT: root },
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString()
  })
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString()
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out, err })))
}

const git = (...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    cwd: root,
    encoding: 'utf8',
  }).trim()
const lockOf = (dir: string) => parseLock(readFileSync(join(root, dir, 'lock.json'), 'utf8'), dir)
const keys = async (): Promise<Record<string, string>> => {
  const r = await cli('build.ts', '--print')
  expect(r.code, r.err).toBe(0)
  const printed = JSON.parse(r.out) as { images: Record<string, { key: string }> }
  return Object.fromEntries(Object.entries(printed.images).map(([n, i]) => [n, i.key]))
}

function write(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true })
  writeFileSync(join(root, path), text)
}

function publishTool(version: string): void {
  up.set('/tool/', `<a href="tool-1.0.tar.gz">1.0</a>\n<a href="tool-${version}.tar.gz">${version}</a>\n`)
  up.set(`/tool/tool-${version}.tar.gz`, `tool ${version}`)
}

beforeAll(async () => {
  up = await serveFixture()
  publishTool('1.0')
  up.set('/app/2.0/app.conf', 'listen 8080\n')
  root = mkdtempSync(join(tmpdir(), 'atelier-e2e-'))
  mkdirSync(join(root, 'config'))
  cpSync(join(MAIN, 'config/defaults.cue'), join(root, 'config/defaults.cue'))
  // The site override points the made-up upstream host at the fixture.
  write('config/site.cue', `refresh: rewrite: {"https://upstream.example/": "${up.url}/"}\n`)
  write('.gitignore', '.atelier/\n')
  write(
    'base/tool/recipe.ts',
    `import { image, url } from '${MAIN}/lib/index.ts'
export default image({
  name: 'tool',
  kind: 'base',
  version: (lock) => lock.pins.tool?.version ?? '0',
  description: 'a tool tarball as a root filesystem',
  pins: { tool: url('tool release tarball') },
  stages: [],
  rootfs: 'tool',
  runtime: { entrypoint: [] },
})
`,
  )
  write(
    'base/tool/refresh.ts',
    `import { defineRefresh, listing } from '${MAIN}/lib/refresh/index.ts'
export default defineRefresh({
  tool: (ctx) => listing(ctx, { url: 'https://upstream.example/tool/', pattern: /tool-(?<version>[\\d.]+)\\.tar\\.gz/ }),
})
`,
  )
  write(
    'images/app/recipe.ts',
    `import tool from '../../base/tool/recipe.ts'
import { image, url } from '${MAIN}/lib/index.ts'
export default image({
  name: 'app',
  version: '1',
  description: 'an app on the tool base',
  pins: { conf: url('app.conf, vendored into files/') },
  stages: [],
  final: { from: tool },
  runtime: { entrypoint: ['/bin/app'] },
  exemptions: { healthcheck: 'fixture image', metrics: 'fixture image' },
})
`,
  )
  write(
    'images/app/refresh.ts',
    `import { defineRefresh, vendor } from '${MAIN}/lib/refresh/index.ts'
export default defineRefresh({
  conf: (ctx) => vendor(ctx, 'https://upstream.example/app/2.0/app.conf', { commit: true }),
})
`,
  )
  git('init', '-q', '-b', 'main')
  git('add', '.')
  git('commit', '-q', '-m', 'recipes')
})
afterAll(() => up.close())

describe('pnpm refresh (temp repository, fixture upstream)', () => {
  it('pins new images, then commits one change per image when upstream publishes', async () => {
    // First run: locks do not exist yet (the repo does not validate); refresh must still work.
    const first = await runRefresh(root, { commit: true })
    expect(first.exitCode, JSON.stringify(first.images.map((i) => i.pins))).toBe(EXIT.ok)
    expect(git('log', '--format=%s', '-2').split('\n').sort()).toEqual([
      '[app] url:conf (new) 2.0',
      '[tool] url:tool (new) 1.0',
    ])
    expect(lockOf('base/tool').pins.tool).toMatchObject({
      version: '1.0',
      files: [{ sha256: sha256hex('tool 1.0') }],
    })
    expect(readFileSync(join(root, 'images/app/files/app.conf'), 'utf8')).toBe('listen 8080\n')
    expect(git('status', '--porcelain')).toBe('')

    // Up to date: --check exits 0.
    expect((await runRefresh(root, { check: true })).exitCode).toBe(EXIT.ok)
    const before = await keys()

    up.set('/tool/', '') // replaced below; make sure the listing is re-read
    publishTool('1.1')
    const check = await cli('refresh.ts', '--check')
    expect(check.code).toBe(EXIT.failed)
    expect(check.out).toContain('tool: out of date')
    expect(check.out).toContain('url:tool 1.0 -> 1.1')
    expect(lockOf('base/tool').pins.tool?.version).toBe('1.0') // --check changed nothing

    const r = await cli('refresh.ts', '--commit')
    expect(r.code, r.err).toBe(EXIT.ok)
    expect(r.out).toContain('cache keys changed (the next build rebuilds these): tool, app')
    expect(git('log', '-1', '--format=%s')).toBe('[tool] url:tool 1.0 -> 1.1')
    // The commit holds the lock and the descendant's re-rendered Dockerfile (its FROM names the new key),
    // and both images' SBOMs (the new pin; the parent's new key).
    expect(
      git('show', '--name-only', '--format=', 'HEAD')
        .split('\n')
        .filter((f) => !f.endsWith('README.md'))
        .sort(),
    ).toEqual([
      'base/tool/Dockerfile',
      'base/tool/lock.json',
      'base/tool/sbom.cdx.json',
      'base/tool/sbom.spdx.json',
      'images/app/Dockerfile',
      'images/app/sbom.cdx.json',
      'images/app/sbom.spdx.json',
    ])
    expect(git('status', '--porcelain')).toBe('')
    expect(lockOf('base/tool').pins.tool?.files[0]?.sha256).toBe(sha256hex('tool 1.1'))

    const after = await keys()
    expect(after.tool).not.toBe(before.tool)
    expect(after.app).not.toBe(before.app)
  }, 60_000)

  it('refuses a file changed upstream under an unchanged version unless --accept-changed', async () => {
    const lockBefore = readFileSync(join(root, 'images/app/lock.json'), 'utf8')
    const old = sha256hex('listen 8080\n')
    up.set('/app/2.0/app.conf', 'listen 9090\n')
    const now = sha256hex('listen 9090\n')

    const res = await runRefresh(root)
    expect(res.exitCode).toBe(EXIT.failed)
    const conf = res.images.find((i) => i.image === 'app')!.pins[0]!
    expect(conf.status).toBe('failed')
    expect(conf.error?.message).toBe(
      `upstream changed https://upstream.example/app/2.0/app.conf without a version change: sha256 ${old} -> ${now}`,
    )
    // Nothing moved: lock and the committed file are as they were; the other image is untouched.
    expect(readFileSync(join(root, 'images/app/lock.json'), 'utf8')).toBe(lockBefore)
    expect(readFileSync(join(root, 'images/app/files/app.conf'), 'utf8')).toBe('listen 8080\n')
    expect(res.images.find((i) => i.image === 'tool')!.failed).toBe(false)

    const cliRun = await cli('refresh.ts', 'app')
    expect(cliRun.code).toBe(EXIT.failed)
    expect(cliRun.err).toContain(
      'upstream changed https://upstream.example/app/2.0/app.conf without a version change',
    )
    expect(cliRun.err).toContain('--accept-changed')

    const ok = await runRefresh(root, { images: ['app'], acceptChanged: true, commit: true })
    expect(ok.exitCode).toBe(EXIT.ok)
    expect(ok.images[0]!.pins[0]!.acceptedChange).toContain('without a version change')
    expect(git('log', '-1', '--format=%s')).toBe('[app] re-pin conf (same versions)')
    expect(readFileSync(join(root, 'images/app/files/app.conf'), 'utf8')).toBe('listen 9090\n')
    expect(git('status', '--porcelain')).toBe('')
  }, 60_000)

  it('keeps a pin whose lookup fails and still refreshes the others', async () => {
    up.drop('/tool/')
    publishTool('1.1')
    up.drop('/tool/')
    up.set('/app/2.0/app.conf', 'listen 9090\n')
    const res = await runRefresh(root)
    expect(res.exitCode).toBe(EXIT.failed)
    const tool = res.images.find((i) => i.image === 'tool')!
    expect(tool.failed).toBe(true)
    expect(tool.pins[0]!.error?.code).toBe('E_UPSTREAM')
    expect(tool.lockChanged).toBe(false)
    expect(lockOf('base/tool').pins.tool?.version).toBe('1.1')
    expect(res.images.find((i) => i.image === 'app')!.failed).toBe(false)
  })
})

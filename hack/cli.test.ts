// The entry scripts against the fixture repo, under Node (tsx) and Deno 2: `build --print` shows the
// selection with its ancestors in levels and the same keys on both runtimes; `render --check` passes
// on the fixture and fails once a lock changed.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Lock } from '../lib/lock.ts'
import type { Plan } from '../lib/plan.ts'
import { openRepo } from '../lib/repo.ts'
import { copyFixture, FIXTURE_ROOT, REPO_ROOT } from '../lib/testdata/fixture.ts'

const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx')
const DENO = join(REPO_ROOT, 'node_modules/.bin/deno')

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Run a hack/ script under a runtime with ATELIER_ROOT set; never throws on a non-zero exit. */
function run(runtime: 'node' | 'deno', script: string, args: string[], root = FIXTURE_ROOT): Promise<Run> {
  const [cmd, pre] = runtime === 'node' ? [TSX, []] : [DENO, ['run', '-A']]
  return new Promise((resolve) => {
    execFile(
      cmd,
      [...pre, join(REPO_ROOT, 'hack', script), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ATELIER_ROOT: root, NO_COLOR: '1' }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

interface Printed {
  order: string[]
  levels: string[][]
  images: Record<string, { key: string; ref: string; tags: string[]; plan: Plan }>
}
const printed = (r: Run): Printed => {
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as Printed
}
const keysOf = (p: Printed): Record<string, string> =>
  Object.fromEntries(Object.entries(p.images).map(([n, i]) => [n, i.key]))

const ALL = ['os', 'runtime', 'toolchain', 'healthcheck', 'app1', 'app2']
const LEVELS = [['os'], ['runtime', 'toolchain'], ['healthcheck'], ['app1'], ['app2']]

// Every process starts at once: tsx costs ~1.5 s a start, and the runs are independent.
let node: { print: Run; check: Run; stale: Run }
let deno: { print: Run; printApp1: Run; dependents: Run; check: Run; stale: Run; unknown: Run; invalid: Run }
let inProcess: Record<string, string>
const temps: string[] = []

beforeAll(async () => {
  // In process first: it also fills the fixture's CUE cache, which the copies below inherit.
  const repo = await openRepo(FIXTURE_ROOT)
  inProcess = Object.fromEntries(Object.entries(repo.plans).map(([n, p]) => [n, p.key]))
  const stale = await mkdtemp(join(tmpdir(), 'atelier-cli-'))
  const invalid = await mkdtemp(join(tmpdir(), 'atelier-cli-'))
  temps.push(stale, invalid)
  await Promise.all([copyFixture(stale), copyFixture(invalid)])
  // A refreshed pin: new version and sha256 in app1's lock, Dockerfiles left as they were.
  const lockPath = join(stale, 'images/app1/lock.json')
  const lock = JSON.parse(await readFile(lockPath, 'utf8')) as Lock
  lock.pins.app1!.version = '1.4.2-1~deb12u2'
  lock.pins.app1!.files[1]!.sha256 = 'e'.repeat(64)
  await writeFile(lockPath, JSON.stringify(lock, null, 2))
  // A recipe breaking the runtime contract.
  const recipePath = join(invalid, 'images/app2/recipe.ts')
  await writeFile(recipePath, (await readFile(recipePath, 'utf8')).replace('{ port: 7000 }', '{ port: 80 }'))

  const [print, check, staleN, ...d] = await Promise.all([
    run('node', 'build.ts', ['--print', 'app2']),
    run('node', 'render.ts', ['--check']),
    run('node', 'render.ts', ['--check'], stale),
    run('deno', 'build.ts', ['--print', 'app2']),
    run('deno', 'build.ts', ['--print', 'app1']),
    run('deno', 'build.ts', ['--print', '--with-dependents', 'runtime']),
    run('deno', 'render.ts', ['--check']),
    run('deno', 'render.ts', ['--check'], stale),
    run('deno', 'build.ts', ['--print', 'ghost']),
    run('deno', 'build.ts', ['--print'], invalid),
  ])
  node = { print: print!, check: check!, stale: staleN! }
  const [dPrint, printApp1, dependents, dCheck, dStale, unknown, dInvalid] = d as Run[]
  deno = {
    print: dPrint!,
    printApp1: printApp1!,
    dependents: dependents!,
    check: dCheck!,
    stale: dStale!,
    unknown: unknown!,
    invalid: dInvalid!,
  }
}, 120_000)

afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))))

describe('build --print', () => {
  it('shows the selection with all its ancestors, in order and in levels', () => {
    const p = printed(node.print)
    expect(p.order).toEqual(ALL)
    expect(p.levels).toEqual(LEVELS)
    expect(Object.keys(p.images)).toEqual(ALL)
    const app2 = p.images.app2!
    expect(app2.plan.parents).toEqual({
      app1: p.images.app1!.key,
      healthcheck: p.images.healthcheck!.key,
      toolchain: p.images.toolchain!.key,
    })
    expect(app2.tags).toEqual(['2.0.1', `key-${app2.key.slice(0, 32)}`, 'latest'])
  })

  it('prints the keys the library computes in process', () => {
    expect(keysOf(printed(node.print))).toEqual(inProcess)
  })

  it('Deno prints the same plans and keys as Node', () => {
    const n = printed(node.print)
    const d = printed(deno.print)
    expect(keysOf(d)).toEqual(keysOf(n))
    expect(d).toEqual(n)
  })

  it('leaves out what the selection does not need, and adds dependents when asked', () => {
    const app1 = printed(deno.printApp1)
    expect(app1.order).toEqual(['os', 'runtime', 'toolchain', 'healthcheck', 'app1'])
    expect(app1.levels).toEqual(LEVELS.slice(0, 4))
    const dep = printed(deno.dependents)
    expect(dep.order).toEqual(ALL)
  })

  it('an unknown image exits 2 with the error code and the known names', () => {
    expect(deno.unknown.code).toBe(2)
    expect(deno.unknown.stdout).toBe('')
    expect(deno.unknown.stderr).toContain('error [E_UNKNOWN_IMAGE]: unknown image "ghost"')
    expect(deno.unknown.stderr).toContain('known images: app1, app2, healthcheck, os, runtime, toolchain')
  })

  it('an invalid recipe exits 2 with the dot-path of the problem', () => {
    expect(deno.invalid.code).toBe(2)
    expect(deno.invalid.stderr).toContain('error [E_INVALID]')
    expect(deno.invalid.stderr).toContain('app2.runtime.ports[0].port: 80 is privileged')
  })
})

describe('render --check', () => {
  it.each(['node', 'deno'] as const)('passes on the fixture under %s', (runtime) => {
    const r = (runtime === 'node' ? node : deno).check
    expect(r.stderr, 'after a change to rendering or planning, run `tsx scripts/regen-golden.ts`').toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^6 .*up to date\n$/)
  })

  it.each(['node', 'deno'] as const)(
    'fails under %s once a lock changed, naming what to re-render',
    (runtime) => {
      const r = (runtime === 'node' ? node : deno).stale
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^stale .*\(run `pnpm render` and commit\):\n/)
      // app1's BOM and sha256 lines changed; app2 is built on app1, so its FROM line (app1's key) did too.
      const stale = r.stderr
        .split('\n')
        .filter((l) => l.startsWith('  '))
        .map((l) => l.trim())
      expect(stale.filter((f) => f.endsWith('/Dockerfile'))).toEqual([
        'images/app1/Dockerfile',
        'images/app2/Dockerfile',
      ])
      expect(stale.every((f) => f.startsWith('images/app'))).toBe(true)
    },
  )
})

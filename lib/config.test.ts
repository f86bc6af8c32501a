// Site configuration through CUE (cue-wasm): defaults + site layering, conflicts that name the file and
// the field, the runtime policy, and the cache that spares CUE's start on every later run.
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { checkPolicy, loadConfig } from './config.ts'
import { evaluate } from './cue.ts'
import { ConfigError, EXIT } from './errors.ts'
import { FIXTURE_ROOT, fixtureConfig } from './testdata/fixture.ts'

// Count CUE evaluations: a cache hit must not evaluate at all.
vi.mock('./cue.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('./cue.ts')>()
  return { evaluate: vi.fn(real.evaluate) }
})
const evaluations = vi.mocked(evaluate)
beforeEach(() => {
  evaluations.mockClear()
})

const roots: string[] = []
afterAll(() => Promise.all(roots.map((d) => rm(d, { recursive: true, force: true }))))

/** A repository with the fixture's defaults.cue and policy.cue, plus the given files. */
async function repo(files: Record<string, string> = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'atelier-config-'))
  roots.push(root)
  await mkdir(join(root, 'config'))
  for (const f of ['defaults.cue', 'policy.cue'])
    await copyFile(join(FIXTURE_ROOT, 'config', f), join(root, 'config', f))
  for (const [p, text] of Object.entries(files)) await writeFile(join(root, p), text)
  return root
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(ConfigError)
  return e as ConfigError
}

describe('loadConfig', () => {
  it('gives the defaults when there is no site.cue', async () => {
    const c = await loadConfig(await repo())
    expect(c.runtime).toEqual({ uid: 65532, gid: 65532 })
    expect(c.registries).toEqual([
      { host: '127.0.0.1:5000', namespace: 'atelier', insecure: true, bootstrap: true },
    ])
    expect(c.concurrency).toBe(2)
    expect(c.platforms).toEqual(['linux/amd64'])
    expect(c.debian.mirror).toBe('http://deb.debian.org/debian')
  })

  it('layers site.cue over the defaults, filling schema defaults into what it adds', async () => {
    const root = await repo({
      'config/site.cue': [
        'package config',
        'runtime: uid: 10000',
        'registries: [',
        '  {host: "127.0.0.1:5000", insecure: true, bootstrap: true},',
        '  {host: "registry.example.org", usernameEnv: "REG_USER", passwordEnv: "REG_PASS"},',
        ']',
        'debian: mirror: "http://snapshot.debian.org/archive/debian/20261101T000000Z"',
      ].join('\n'),
    })
    const c = await loadConfig(root)
    expect(c.runtime).toEqual({ uid: 10000, gid: 65532 })
    expect(c.registries).toEqual([
      { host: '127.0.0.1:5000', namespace: 'atelier', insecure: true, bootstrap: true },
      {
        host: 'registry.example.org',
        namespace: 'atelier',
        insecure: false,
        bootstrap: false,
        usernameEnv: 'REG_USER',
        passwordEnv: 'REG_PASS',
      },
    ])
    expect(c.debian.mirror).toBe('http://snapshot.debian.org/archive/debian/20261101T000000Z')
    expect(c.debian.suite).toBe('bookworm') // untouched defaults stay
    // Overrides (tests, --config) go over site.cue.
    expect((await loadConfig(root, 'concurrency: 4')).concurrency).toBe(4)
  })

  it('a conflict is a ConfigError naming site.cue and the field', async () => {
    const root = await repo({ 'config/site.cue': 'concurrency: "two"\n' })
    const e = await configError(loadConfig(root))
    expect(e.code).toBe('E_CONFIG')
    expect(e.exitCode).toBe(EXIT.config)
    expect(e.message).toMatch(/^config\/site\.cue: /)
    expect(e.message).toContain('concurrency')
    expect(e.hint).toContain('config/site.cue')
    // Nothing is cached for a broken configuration: fixing it takes effect.
    await writeFile(join(root, 'config/site.cue'), 'concurrency: 3\n')
    expect((await loadConfig(root)).concurrency).toBe(3)
  })

  it('schema constraints hold for site values too', async () => {
    const port = await configError(loadConfig(await repo({ 'config/site.cue': 'registry: port: 70000\n' })))
    expect(port.message).toContain('registry.port')
    const host = await configError(
      loadConfig(await repo({ 'config/site.cue': 'registries: [{host: "not a host"}]\n' })),
    )
    // CUE 0.4 reports a failed disjunction vaguely ("2 errors in empty disjunction"); the field is named.
    expect(host.message).toContain('registries')
    const overrides = await configError(loadConfig(await repo(), 'runtime: uid: -1'))
    expect(overrides.message).toMatch(/^overrides: .*uid/)
  })

  it('no defaults.cue: says to run from the repository root', async () => {
    const root = await mkdtemp(join(tmpdir(), 'atelier-config-'))
    roots.push(root)
    const e = await configError(loadConfig(root))
    expect(e.hint).toContain('repository root')
  })

  it('is cached by the content of the .cue files: a second load evaluates no CUE', async () => {
    const root = await repo({ 'config/site.cue': 'runtime: uid: 20000\n' })
    const first = await loadConfig(root)
    expect(evaluations).toHaveBeenCalled()
    expect(await readdir(join(root, '.atelier/cache'))).toHaveLength(1)

    evaluations.mockClear()
    const started = performance.now()
    const second = await loadConfig(root)
    const ms = performance.now() - started
    expect(evaluations).not.toHaveBeenCalled()
    expect(second).toEqual(first)
    expect(ms).toBeLessThan(100)

    // A changed file is a new key: evaluated again, and the new value wins.
    await writeFile(join(root, 'config/site.cue'), 'runtime: uid: 30000\n')
    expect((await loadConfig(root)).runtime.uid).toBe(30000)
    expect(evaluations).toHaveBeenCalled()
  })

  it('the fixture configuration evaluates to its golden (which plan and render tests use without CUE)', async () => {
    const c = await loadConfig(FIXTURE_ROOT)
    expect(c, 'run `tsx scripts/regen-golden.ts` and review the diff').toEqual(await fixtureConfig())
    expect(c.runtime).toEqual({ uid: 65532, gid: 65532 })
    expect(c.labels).toEqual({ vendor: 'atelier', source: 'https://example.invalid/atelier' })
  })
})

describe('checkPolicy', () => {
  const ok = {
    user: { uid: 65532, gid: 65532 },
    entrypoint: ['/usr/bin/redis-server'],
    ports: [{ port: 6379 }],
  }

  it('flags uid 0 through config/policy.cue, and only the offending image', async () => {
    const root = await repo()
    const problems = await checkPolicy(root, {
      redis: ok,
      rooted: { ...ok, user: { uid: 0, gid: 0 } },
    })
    expect(problems).toHaveLength(1)
    expect(problems[0]!.image).toBe('rooted')
    expect(problems[0]!.message).toContain('uid')
    expect(await checkPolicy(root, { redis: ok })).toEqual([])
  })

  it('a fork tightens the policy in CUE alone', async () => {
    const root = await repo()
    await writeFile(
      join(root, 'config/policy.cue'),
      '#Runtime: {\n\tuser: {uid: int & >=10000, gid: int & >0}\n\tentrypoint: [string, ...string]\n\t...\n}\n',
    )
    const problems = await checkPolicy(root, { redis: { ...ok, user: { uid: 1000, gid: 1000 } } })
    expect(problems.map((p) => p.image)).toEqual(['redis'])
  })

  it('is cached too: the same blocks are not evaluated twice', async () => {
    const root = await repo()
    const blocks = { redis: ok, rooted: { ...ok, user: { uid: 0, gid: 0 } } }
    const first = await checkPolicy(root, blocks)
    evaluations.mockClear()
    expect(await checkPolicy(root, blocks)).toEqual(first)
    expect(evaluations).not.toHaveBeenCalled()
  })
})

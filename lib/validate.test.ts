// Validation: every problem in every recipe at once, each located by a dot-path, before any work.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CommandError, EXIT, HashMismatchError, type Problem, ValidationError } from './errors.ts'
import { loadImages } from './images.ts'
import type { Lock } from './lock.ts'
import type { LockedPin } from './pin.ts'
import type { Recipe } from './recipe.ts'
import { validateRecipe, validateSet } from './validate.ts'

const SHA = 'a'.repeat(64)

const source = (sha256: string): LockedPin => ({
  kind: 'debian-source',
  name: 'redis',
  suite: 'bookworm',
  version: '7.0.15-1~deb12u1',
  date: 1700000000,
  files: [{ name: 'redis_7.0.15.orig.tar.gz', url: 'debian:pool/main/r/redis/x', sha256 }],
})

function goodRecipe(): Recipe {
  return {
    name: 'redis',
    version: '7.0.15',
    description: 'redis',
    pins: { redis: { kind: 'debian-source', name: 'redis' } },
    stages: [{ name: 'build', from: 'toolchain', sources: ['redis'], steps: [{ run: ['make'] }] }],
    final: { from: 'runtime', closure: { from: 'build', binaries: ['/usr/bin/redis-server'] } },
    runtime: {
      entrypoint: ['/usr/bin/redis-server'],
      ports: [{ port: 6379 }],
      healthcheck: { probe: { kind: 'tcp', port: 6379 }, interval: '1m30s' },
      metrics: { port: 9121, exporter: 'redis-exporter' },
    },
  }
}
const goodLock = (): Lock => ({ image: 'redis', pins: { redis: source(SHA) } })

const paths = (ps: Problem[]): string[] => ps.map((p) => p.path).sort()
const messageAt = (ps: Problem[], path: string): string =>
  ps
    .filter((p) => p.path === path)
    .map((p) => p.message)
    .join(' | ')

describe('validateRecipe', () => {
  it('accepts a recipe that keeps the runtime contract', () => {
    expect(validateRecipe({ recipe: goodRecipe(), lock: goodLock(), folder: 'redis' })).toEqual([])
  })

  it('reports every problem at once, each with its dot-path', () => {
    const r = goodRecipe()
    r.name = 'Redis_Server'
    r.pins.src = { kind: 'url' }
    r.pins.tool = { kind: 'debian-package', name: 'tool' }
    r.runtime.user = { uid: 0, gid: 0 }
    r.runtime.ports = [{ port: 70000 }, { port: 80 }]
    r.runtime.healthcheck = { probe: { kind: 'tcp', port: 6379 }, interval: '10 seconds', timeout: '3' }
    delete r.runtime.metrics
    r.exemptions = { shell: '  ' }
    const lock: Lock = {
      image: 'redis',
      pins: {
        redis: source(SHA),
        tool: {
          kind: 'debian-package',
          name: 'tool',
          arch: 'amd64',
          suite: 'bookworm',
          version: '1',
          date: 1,
          files: [{ name: 'tool_1_amd64.deb', url: 'debian:pool/t', sha256: '' }],
        },
      },
    }
    const ps = validateRecipe({ recipe: r, lock, folder: 'redis' })
    const at = (p: string) => messageAt(ps, `Redis_Server.${p}`)
    expect(paths(ps)).toEqual(
      [
        'name', // not a valid name
        'name', // does not match its folder
        'pins.src', // not in lock.json
        'pins.tool.files[0]', // no sha256
        'exemptions.shell', // empty reason
        'runtime.user.uid', // root without exemptions.root
        'runtime.ports[0].port', // not a port
        'runtime.ports[1].port', // privileged
        'runtime.healthcheck.interval',
        'runtime.healthcheck.timeout',
        'runtime.metrics', // missing, no exemption
      ]
        .map((p) => `Redis_Server.${p}`)
        .sort(),
    )
    expect(at('name')).toMatch(/not a valid image name/)
    expect(at('name')).toMatch(/does not match its folder "redis"/)
    expect(at('pins.src')).toContain('pnpm refresh Redis_Server')
    expect(at('pins.tool.files[0]')).toContain('tool_1_amd64.deb has no sha256')
    expect(at('exemptions.shell')).toContain('needs a reason')
    expect(at('runtime.user.uid')).toContain('exemptions.root')
    expect(at('runtime.ports[0].port')).toContain('70000 is not a port')
    expect(at('runtime.ports[1].port')).toContain('80 is privileged')
    expect(at('runtime.healthcheck.interval')).toBe('expected a duration like "10s", got "10 seconds"')
    expect(at('runtime.metrics')).toContain('exemptions.metrics')
  })

  it('a missing healthcheck or metrics endpoint needs an exemption with a reason', () => {
    const r = goodRecipe()
    delete r.runtime.healthcheck
    delete r.runtime.metrics
    const missing = validateRecipe({ recipe: r, lock: goodLock() })
    expect(paths(missing)).toEqual(['redis.runtime.healthcheck', 'redis.runtime.metrics'])

    r.exemptions = { healthcheck: '', metrics: 'exported by the sibling redis-exporter image' }
    const empty = validateRecipe({ recipe: r, lock: goodLock() })
    // An empty reason is itself a problem and does not count as an exemption.
    expect(paths(empty)).toEqual(['redis.exemptions.healthcheck', 'redis.runtime.healthcheck'])

    r.exemptions = { healthcheck: 'batch job, exits when done', metrics: 'batch job' }
    expect(validateRecipe({ recipe: r, lock: goodLock() })).toEqual([])
  })

  it('root is allowed with a reason', () => {
    const r = goodRecipe()
    r.runtime.user = { uid: 0, gid: 0 }
    r.exemptions = { root: 'binds port 53 and drops privileges itself' }
    expect(validateRecipe({ recipe: r, lock: goodLock() })).toEqual([])
  })

  it('flags a locked file without sha256, a pin the recipe dropped, and a kind mismatch', () => {
    const lock: Lock = {
      image: 'redis',
      pins: {
        redis: { ...source('not-a-hash'), kind: 'url' } as LockedPin,
        stale: source(SHA),
      },
    }
    const ps = validateRecipe({ recipe: goodRecipe(), lock })
    expect(paths(ps)).toEqual(['redis.pins.redis', 'redis.pins.redis.files[0]', 'redis.pins.stale'])
    expect(messageAt(ps, 'redis.pins.redis')).toContain('lock.json has a url pin, the recipe a debian-source')
    expect(messageAt(ps, 'redis.pins.stale')).toContain('does not declare it')
  })
})

describe('validateSet', () => {
  it('reports images defined twice and unknown exporters', () => {
    const a = goodRecipe()
    const b = goodRecipe()
    const exporter = { ...goodRecipe(), name: 'redis-exporter' }
    const ps = validateSet([
      { recipe: a, path: 'images/redis/recipe.ts' },
      { recipe: b, path: 'images/redis2/recipe.ts' },
    ])
    expect(ps).toEqual([
      {
        path: 'redis',
        message: 'defined twice: images/redis/recipe.ts and images/redis2/recipe.ts; rename one',
      },
      { path: 'redis.runtime.metrics.exporter', message: 'unknown image "redis-exporter"' },
      { path: 'redis.runtime.metrics.exporter', message: 'unknown image "redis-exporter"' },
    ])
    expect(
      validateSet([
        { recipe: a, path: 'images/redis/recipe.ts' },
        { recipe: exporter, path: 'images/redis-exporter/recipe.ts' },
      ]),
    ).toEqual([])
  })
})

describe('ValidationError', () => {
  it('exits 2 (bad input), distinct from failed work (1)', () => {
    const e = new ValidationError([
      { path: 'a.name', message: 'bad' },
      { path: 'b.runtime.ports[0].port', message: 'worse' },
    ])
    expect(e.exitCode).toBe(EXIT.invalid)
    expect(EXIT.invalid).toBe(2)
    expect(new CommandError(['make'], 2, '').exitCode).toBe(EXIT.failed)
    expect(new HashMismatchError('u', 'a', 'b').exitCode).toBe(EXIT.failed)
    expect(EXIT.failed).toBe(1)
    expect(e.code).toBe('E_INVALID')
    expect(e.message).toBe('2 problems in recipes:\n  a.name: bad\n  b.runtime.ports[0].port: worse')
    expect(e.hint).toBeTruthy()
  })
})

describe('loadImages', () => {
  const dirs: string[] = []
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

  it('reports the problems of every recipe in the set in one error', async () => {
    const root = await mkdtemp(join(tmpdir(), 'atelier-validate-'))
    dirs.push(root)
    // Recipes as plain objects: no import of lib needed from a temp dir.
    const write = async (dir: string, recipe: object): Promise<void> => {
      await mkdir(join(root, dir), { recursive: true })
      await writeFile(join(root, dir, 'recipe.ts'), `export default ${JSON.stringify(recipe)}\n`)
    }
    const base = { version: '1', description: 'x', pins: {}, stages: [], final: { from: 'scratch' } }
    const exempt = { healthcheck: 'test', metrics: 'test' }
    await write('images/one', {
      ...base,
      name: 'one',
      runtime: { entrypoint: ['/one'], ports: [{ port: 22 }] },
      exemptions: exempt,
    })
    await write('images/two', { ...base, name: 'one', runtime: { entrypoint: ['two'] }, exemptions: exempt })
    const err = await loadImages(root).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ValidationError)
    expect(paths((err as ValidationError).problems)).toEqual([
      'one', // defined twice
      'one.name', // images/two holds "one"
      'one.runtime.entrypoint', // not absolute
      'one.runtime.ports[0].port',
    ])
    expect((err as ValidationError).message).toContain('images/one/recipe.ts and images/two/recipe.ts')
  })
})

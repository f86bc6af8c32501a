// Plans and cache keys: canonical (key order never matters), content-addressed (every pin counts),
// Merkle-chained (a base's change reaches its descendants only), epoch from the lock, not the clock.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { canonicalJson, sha256hex, stableJson } from './canonical.ts'
import type { Config } from './config.ts'
import { levels as levelsOf } from './graph.ts'
import { graphOf, type LoadedImage, loadImages } from './images.ts'
import type { Lock } from './lock.ts'
import type { LockedPin } from './pin.ts'
import { keyOf, type PlannedImage, planAll } from './plan.ts'
import type { Recipe } from './recipe.ts'
import { CONTEXT } from './render.ts'
import { FIXTURE_ROOT, fixtureConfig } from './testdata/fixture.ts'

let config: Config
beforeAll(async () => {
  config = await fixtureConfig()
})
afterEach(() => {
  vi.useRealTimers()
})

const ASSETS = { [CONTEXT.closureScript]: 'c'.repeat(64) }

function urlPin(version: string, sha256: string, date: number): LockedPin {
  return {
    kind: 'url',
    version,
    date,
    files: [{ name: `src-${version}.tar.gz`, url: `https://example.invalid/src-${version}.tar.gz`, sha256 }],
  }
}

const exempt = { healthcheck: 'fixture', metrics: 'fixture' }

/** b (a base) <- x <- z, b <- y, and u unrelated. */
function set(overrides: { b?: LockedPin; x?: LockedPin } = {}): Record<string, LoadedImage> {
  const img = (recipe: Recipe, pin: LockedPin): LoadedImage => ({
    name: recipe.name,
    dir: `images/${recipe.name}`,
    recipePath: `images/${recipe.name}/recipe.ts`,
    recipe,
    lock: { image: recipe.name, pins: { src: pin } },
    files: { 'files/app.conf': 'f'.repeat(64) },
  })
  const recipe = (name: string, from: string, finalFrom: string): Recipe => ({
    name,
    version: '1.0',
    description: `image ${name}`,
    kind: name === 'b' ? 'base' : 'image',
    pins: { src: { kind: 'url' } },
    stages: [{ name: 'build', from, sources: ['src'], steps: [{ run: ['make', 'install'] }] }],
    final: { from: finalFrom, copy: [{ from: 'build', src: '/out', dest: '/' }] },
    runtime: { entrypoint: [`/usr/bin/${name}`] },
    exemptions: exempt,
  })
  return {
    b: img(recipe('b', 'scratch', 'scratch'), overrides.b ?? urlPin('1', 'b'.repeat(64), 1000)),
    x: img(recipe('x', 'b', 'scratch'), overrides.x ?? urlPin('1', '1'.repeat(64), 2000)),
    y: img(recipe('y', 'scratch', 'b'), urlPin('1', '2'.repeat(64), 3000)),
    z: img(recipe('z', 'x', 'scratch'), urlPin('1', '3'.repeat(64), 4000)),
    u: img(recipe('u', 'scratch', 'scratch'), urlPin('1', '4'.repeat(64), 5000)),
  }
}

function keys(images: Record<string, LoadedImage>, framework = '0.0.0-test'): Record<string, string> {
  const plans = planAll({ images, config, framework, assets: ASSETS })
  return Object.fromEntries(Object.entries(plans).map(([n, p]) => [n, p.key]))
}

/** The same value with every object's keys inserted in reverse order (arrays and functions kept). */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    ) as T
  return value
}

describe('canonical JSON', () => {
  it('sorts keys at every level, keeps array order, drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"x":2,"y":1}]},"b":1}',
    )
    expect(stableJson({ b: 1, a: [1] })).toBe('{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n')
    expect(sha256hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })
})

describe('cache keys', () => {
  it('are 64-hex sha256 of the canonical plan, and every image gets a distinct one', () => {
    const plans = planAll({ images: set(), config, framework: 't', assets: ASSETS })
    for (const p of Object.values(plans)) {
      expect(p.key).toMatch(/^[0-9a-f]{64}$/)
      expect(p.key).toBe(keyOf(p.plan))
      expect(p.key).toBe(sha256hex(canonicalJson(p.plan)))
    }
    expect(new Set(Object.values(plans).map((p) => p.key)).size).toBe(5)
  })

  it('do not depend on the order of object keys anywhere in the inputs', () => {
    const a = keys(set())
    const shuffled = reverseKeys(set())
    // reverseKeys turned nothing into something else: same data, other key order.
    expect(Object.keys(shuffled)).toEqual(['u', 'z', 'y', 'x', 'b'])
    expect(Object.keys(shuffled.b!.lock.pins.src!)).toEqual(Object.keys(set().b!.lock.pins.src!).reverse())
    expect(keys(shuffled)).toEqual(a)
    const reversedConfig = reverseKeys(config)
    const plans = planAll({
      images: shuffled,
      config: reversedConfig,
      framework: '0.0.0-test',
      assets: ASSETS,
    })
    expect(Object.fromEntries(Object.entries(plans).map(([n, p]) => [n, p.key]))).toEqual(a)
  })

  it('change with any part of a pin: version, sha256, date', () => {
    const a = keys(set())
    const version = keys(set({ x: urlPin('2', '1'.repeat(64), 2000) }))
    const sha = keys(set({ x: urlPin('1', '9'.repeat(64), 2000) }))
    const date = keys(set({ x: urlPin('1', '1'.repeat(64), 2001) }))
    for (const changed of [version, sha, date]) {
      expect(changed.x).not.toBe(a.x)
      expect(new Set([a.x, version.x, sha.x, date.x]).size).toBe(4)
    }
  })

  it('a base pin change reaches every descendant and nothing else', () => {
    const a = keys(set())
    const b = keys(set({ b: urlPin('1', 'e'.repeat(64), 1000) }))
    for (const n of ['b', 'x', 'y', 'z']) expect(b[n], n).not.toBe(a[n])
    expect(b.u).toBe(a.u)

    // A change in the middle: x and what is built on it, not its base or its siblings.
    const c = keys(set({ x: urlPin('1', 'e'.repeat(64), 2000) }))
    expect(c.x).not.toBe(a.x)
    expect(c.z).not.toBe(a.z)
    for (const n of ['b', 'y', 'u']) expect(c[n], n).toBe(a[n])
  })

  it('change with the framework version', () => {
    const a = keys(set(), '1.0.0')
    const b = keys(set(), '1.0.1')
    for (const n of Object.keys(a)) expect(b[n]).not.toBe(a[n])
  })

  it('parents enter a plan by key', () => {
    const plans = planAll({ images: set(), config, framework: 't', assets: ASSETS })
    expect(plans.z!.plan.parents).toEqual({ x: plans.x!.key })
    expect(plans.y!.plan.parents).toEqual({ b: plans.b!.key })
    expect(plans.z!.plan.dockerfile).toContain(`FROM ${plans.x!.ref} AS build`)
  })
})

describe('epoch', () => {
  it('is the newest pin date and never the clock', () => {
    const images = set()
    images.x!.lock = {
      image: 'x',
      pins: { src: urlPin('1', '1'.repeat(64), 2000), other: urlPin('2', '5'.repeat(64), 1_700_000_123) },
    } satisfies Lock
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') })
    const first = planAll({ images, config, framework: 't', assets: ASSETS })
    vi.setSystemTime(new Date('2001-09-09T01:46:40Z'))
    const second = planAll({ images, config, framework: 't', assets: ASSETS })
    expect(first.x!.plan.epoch).toBe(1_700_000_123)
    expect(first.u!.plan.epoch).toBe(5000)
    expect(canonicalJson(second)).toBe(canonicalJson(first))
  })
})

describe('the fixture repository', () => {
  let plans: Record<string, PlannedImage>
  let levels: string[][]
  beforeAll(async () => {
    // As openRepo plans it (hack/cli.test.ts runs openRepo itself), minus CUE and the policy check.
    const images = await loadImages(FIXTURE_ROOT)
    plans = planAll({ images, config, framework: 't', assets: ASSETS })
    levels = levelsOf(graphOf(images))
  })

  it('plans all six images of the diamond in levels', () => {
    expect(levels).toEqual([['os'], ['runtime', 'toolchain'], ['healthcheck'], ['app1'], ['app2']])
    expect(Object.keys(plans).sort()).toEqual(['app1', 'app2', 'healthcheck', 'os', 'runtime', 'toolchain'])
  })

  it('records parents by key, epochs from the locks, and what is pushed', () => {
    const p = (n: string) => plans[n]!
    expect(p('app1').plan.parents).toEqual({
      healthcheck: p('healthcheck').key,
      runtime: p('runtime').key,
      toolchain: p('toolchain').key,
    })
    expect(p('toolchain').plan.parents).toEqual({ os: p('os').key })
    expect(p('app1').plan.epoch).toBe(1733000000)
    expect(p('os').plan.epoch).toBe(1731700000)
    expect(p('app1').plan.version).toBe('1.4.2') // version follows the pin through upstream()
    expect(p('os').plan.push).toBe(false)
    expect(p('app2').plan.push).toBe(true)
    expect(p('app2').ref).toBe(`atelier/app2:key-${p('app2').key.slice(0, 32)}`)
    expect(p('app2').tags).toEqual(['2.0.1', `key-${p('app2').key.slice(0, 32)}`, 'latest'])
    expect(Object.keys(p('app1').plan.sources).sort()).toEqual([
      '.sources/app1/app1_1.4.2-1~deb12u1.debian.tar.xz',
      '.sources/app1/app1_1.4.2.orig.tar.gz',
    ])
    expect(p('app1').plan.files[CONTEXT.closureScript]).toMatch(/^[0-9a-f]{64}$/)
  })
})

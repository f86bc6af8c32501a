// The image graph: deterministic order, levels, selections, and errors that name the whole path.
import { describe, expect, it } from 'vitest'
import { EXIT, GraphError } from './errors.ts'
import { ancestors, type Deps, dependents, levels, order, select } from './graph.ts'

// The fixture's shape: a diamond (os <- toolchain, os <- runtime, both <- app1), app1 <- app2, plus
// an unrelated image and the healthcheck helper every final image with a healthcheck uses.
const DIAMOND: Deps = {
  app2: ['app1', 'healthcheck', 'toolchain'],
  app1: ['healthcheck', 'runtime', 'toolchain'],
  healthcheck: ['toolchain'],
  toolchain: ['os'],
  runtime: ['os'],
  os: [],
  alpine: [],
}

/** The same graph with keys and edges inserted in the reverse order. */
function reversed(deps: Deps): Deps {
  return Object.fromEntries(
    Object.entries(deps)
      .reverse()
      .map(([k, v]) => [k, [...v].reverse()]),
  )
}

function thrown(fn: () => unknown): GraphError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(GraphError)
    return e as GraphError
  }
  throw new Error('expected a GraphError')
}

describe('order and levels', () => {
  it('puts dependencies first and breaks ties by name, whatever the insertion order', () => {
    const expected = ['alpine', 'os', 'runtime', 'toolchain', 'healthcheck', 'app1', 'app2']
    expect(order(DIAMOND)).toEqual(expected)
    expect(order(reversed(DIAMOND))).toEqual(expected)
  })

  it('groups images by depth, each one above its deepest dependency', () => {
    expect(levels(DIAMOND)).toEqual([
      ['alpine', 'os'],
      ['runtime', 'toolchain'],
      ['healthcheck'],
      ['app1'],
      ['app2'],
    ])
    expect(levels(reversed(DIAMOND))).toEqual(levels(DIAMOND))
  })

  it('handles an empty graph', () => {
    expect(order({})).toEqual([])
    expect(levels({})).toEqual([])
  })
})

describe('select', () => {
  it('no names selects everything in build order', () => {
    expect(select(DIAMOND, [])).toEqual(order(DIAMOND))
  })

  it('adds the ancestors of the named images, in build order', () => {
    expect(select(DIAMOND, ['app2'])).toEqual(['os', 'runtime', 'toolchain', 'healthcheck', 'app1', 'app2'])
    expect(select(DIAMOND, ['runtime'])).toEqual(['os', 'runtime'])
    expect(select(DIAMOND, ['alpine'])).toEqual(['alpine'])
  })

  it('withDependents adds what is built on the named images, and their other ancestors', () => {
    // runtime's dependents are app1 and app2; they also need toolchain and healthcheck.
    expect(select(DIAMOND, ['runtime'], { withDependents: true })).toEqual([
      'os',
      'runtime',
      'toolchain',
      'healthcheck',
      'app1',
      'app2',
    ])
    expect(select(DIAMOND, ['app2'], { withDependents: true })).toEqual(select(DIAMOND, ['app2']))
    expect(select(DIAMOND, ['alpine'], { withDependents: true })).toEqual(['alpine'])
  })

  it('ancestors and dependents walk the whole way, not one step', () => {
    expect([...ancestors(DIAMOND, ['app2'])].sort()).toEqual([
      'app1',
      'healthcheck',
      'os',
      'runtime',
      'toolchain',
    ])
    expect([...dependents(DIAMOND, ['os'])].sort()).toEqual([
      'app1',
      'app2',
      'healthcheck',
      'runtime',
      'toolchain',
    ])
  })

  it('rejects an unknown requested name and lists the known ones', () => {
    const e = thrown(() => select(DIAMOND, ['redis']))
    expect(e.code).toBe('E_UNKNOWN_IMAGE')
    expect(e.message).toContain('"redis"')
    expect(e.hint).toContain('app1, app2, healthcheck, os, runtime, toolchain')
  })
})

describe('errors', () => {
  it('an unknown reference names the path to it', () => {
    const e = thrown(() => order({ a: ['ghost'], b: [] }))
    expect(e.code).toBe('E_UNKNOWN_IMAGE')
    expect(e.message).toContain('a -> ghost')
    expect(e.exitCode).toBe(EXIT.invalid)
  })

  it('a cycle names the whole loop', () => {
    const e = thrown(() => levels({ redis: ['toolchain'], toolchain: ['redis'], os: [] }))
    expect(e.code).toBe('E_CYCLE')
    expect(e.message).toContain('redis -> toolchain -> redis')
    expect(e.exitCode).toBe(EXIT.invalid)
  })

  it('a longer loop reached from outside names only the loop', () => {
    const e = thrown(() => order({ app: ['a'], a: ['b'], b: ['c'], c: ['a'] }))
    expect(e.code).toBe('E_CYCLE')
    expect(e.message).toMatch(/dependency cycle: a -> b -> c -> a$/)
  })

  it('a self-reference is a cycle', () => {
    expect(thrown(() => order({ x: ['x'] })).message).toContain('x -> x')
  })

  it('select reports cycles too (it orders the whole set)', () => {
    expect(thrown(() => select({ a: ['b'], b: ['a'] }, ['a'])).code).toBe('E_CYCLE')
  })
})

// The image graph: nodes are images, edges point from an image to what it is built from.
// Deterministic order (ties broken by name), levels for parallel work, whole-path errors.
import { GraphError } from './errors.ts'

/** deps[name] = names it depends on. */
export type Deps = Record<string, string[]>

function checkKnown(deps: Deps): void {
  for (const name of Object.keys(deps).sort()) {
    for (const d of deps[name]!) {
      if (!(d in deps)) {
        throw new GraphError(
          'E_UNKNOWN_IMAGE',
          `unknown image "${d}" (${name} -> ${d})`,
          `known images: ${Object.keys(deps).sort().join(', ')}`,
        )
      }
    }
  }
}

/** Throws a GraphError naming the whole loop, e.g. `redis -> toolchain -> redis`. */
function checkCycles(deps: Deps): void {
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (n: string): void => {
    const s = state.get(n)
    if (s === 'done') return
    if (s === 'visiting') {
      const loop = [...stack.slice(stack.indexOf(n)), n]
      throw new GraphError(
        'E_CYCLE',
        `dependency cycle: ${loop.join(' -> ')}`,
        'remove one of these references',
      )
    }
    state.set(n, 'visiting')
    stack.push(n)
    for (const d of [...deps[n]!].sort()) visit(d)
    stack.pop()
    state.set(n, 'done')
  }
  for (const n of Object.keys(deps).sort()) visit(n)
}

/** Levels: level 0 has no deps; each image sits one above its deepest dependency. Names sorted. */
export function levels(deps: Deps): string[][] {
  checkKnown(deps)
  checkCycles(deps)
  const depth = new Map<string, number>()
  const d = (n: string): number => {
    const known = depth.get(n)
    if (known !== undefined) return known
    const v = deps[n]!.length === 0 ? 0 : 1 + Math.max(...deps[n]!.map(d))
    depth.set(n, v)
    return v
  }
  const out: string[][] = []
  for (const n of Object.keys(deps).sort()) {
    const l = d(n)
    const row = out[l] ?? []
    row.push(n)
    out[l] = row
  }
  return out
}

/** Topological order: dependencies first, ties broken by name. */
export function order(deps: Deps): string[] {
  return levels(deps).flat()
}

export function ancestors(deps: Deps, names: string[]): Set<string> {
  const out = new Set<string>()
  const walk = (n: string): void => {
    for (const d of deps[n] ?? []) {
      if (!out.has(d)) {
        out.add(d)
        walk(d)
      }
    }
  }
  names.forEach(walk)
  return out
}

export function dependents(deps: Deps, names: string[]): Set<string> {
  const rev: Deps = {}
  for (const n of Object.keys(deps)) rev[n] = []
  for (const [n, ds] of Object.entries(deps)) for (const d of ds) rev[d]?.push(n)
  return ancestors(rev, names)
}

/**
 * The images to build for a request: the named ones and their ancestors (and descendants with
 * `withDependents`), in build order. No names means all.
 */
export function select(deps: Deps, names: string[], opts: { withDependents?: boolean } = {}): string[] {
  for (const n of names) {
    if (!(n in deps)) {
      throw new GraphError(
        'E_UNKNOWN_IMAGE',
        `unknown image "${n}"`,
        `known images: ${Object.keys(deps).sort().join(', ')}`,
      )
    }
  }
  const all = order(deps)
  if (names.length === 0) return all
  const picked = new Set(names)
  if (opts.withDependents) for (const n of dependents(deps, names)) picked.add(n)
  for (const n of ancestors(deps, [...picked])) picked.add(n)
  return all.filter((n) => picked.has(n))
}

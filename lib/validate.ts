// Validation of recipes and their locks: collects every problem at once, each with a dot-path and
// what to do, before any work starts. Pure: no I/O.

import { isDuration } from './duration.ts'
import type { Problem } from './errors.ts'
import type { Lock } from './lock.ts'
import { type Recipe, refName } from './recipe.ts'

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/
const SHA256 = /^[0-9a-f]{64}$/
const SIGNAL = /^(SIG[A-Z0-9]+|\d+)$/

export interface ValidateInput {
  recipe: Recipe
  lock: Lock
  /** Folder the recipe was found in (its name must match). */
  folder?: string
}

export function validateRecipe({ recipe: r, lock, folder }: ValidateInput): Problem[] {
  const problems: Problem[] = []
  const name = typeof r.name === 'string' ? r.name : '?'
  const at = (path: string, message: string): void => {
    problems.push({ path: path ? `${name}.${path}` : name, message })
  }

  if (typeof r.name !== 'string' || !NAME.test(r.name))
    at('name', `"${r.name}" is not a valid image name: use lowercase letters, digits and single dashes`)
  if (folder !== undefined && r.name !== folder)
    at('name', `"${r.name}" does not match its folder "${folder}": rename one of them`)
  if (!r.description) at('description', 'missing: say in one line what the image is')
  if (typeof r.version === 'string' && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(r.version))
    at('version', `"${r.version}" is not a valid tag`)

  // Pins and their locked values.
  for (const [pin, spec] of Object.entries(r.pins)) {
    if (!NAME.test(pin)) at(`pins.${pin}`, 'pin names use lowercase letters, digits and dashes')
    const locked = lock.pins[pin]
    if (!locked) {
      at(`pins.${pin}`, `not in lock.json: run \`pnpm refresh ${name}\` to resolve it`)
      continue
    }
    if (locked.kind !== spec.kind)
      at(
        `pins.${pin}`,
        `lock.json has a ${locked.kind} pin, the recipe a ${spec.kind}: run \`pnpm refresh ${name}\``,
      )
    if (locked.kind === 'debian-system') {
      locked.packages.forEach((p, i) => {
        if (!SHA256.test(p.sha256 ?? ''))
          at(`pins.${pin}.packages[${i}]`, `${p.name} has no sha256: run \`pnpm refresh ${name}\``)
      })
    }
    if (locked.kind === 'npm' && !/^sha(256|384|512)-/.test(locked.integrity ?? ''))
      at(`pins.${pin}.integrity`, 'npm pin without integrity')
    if (locked.kind === 'git' && !/^[0-9a-f]{40}$/.test(locked.commit ?? ''))
      at(`pins.${pin}.commit`, 'git pin needs a full 40-hex commit')
    if (locked.kind === 'image' && !/^sha256:[0-9a-f]{64}$/.test(locked.digest ?? ''))
      at(`pins.${pin}.digest`, 'image pin needs a sha256 digest')
    ;(locked.files ?? []).forEach((f, i) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._+~:-]*$/.test(f.name ?? ''))
        at(`pins.${pin}.files[${i}]`, `"${f.name}" is not a plain file name (letters, digits, . _ + ~ : -)`)
      if (!SHA256.test(f.sha256 ?? ''))
        at(`pins.${pin}.files[${i}]`, `${f.name} has no sha256: every pinned file needs one`)
    })
  }
  for (const pin of Object.keys(lock.pins)) {
    if (!(pin in r.pins))
      at(
        `pins.${pin}`,
        `lock.json pins "${pin}" but the recipe does not declare it: run \`pnpm refresh ${name}\``,
      )
  }

  // Stages.
  const stageNames = new Set<string>()
  r.stages.forEach((s, i) => {
    if (!NAME.test(s.name)) at(`stages[${i}].name`, `"${s.name}" is not a valid stage name`)
    if (stageNames.has(s.name)) at(`stages[${i}].name`, `duplicate stage "${s.name}"`)
    if (s.name === 'app') at(`stages[${i}].name`, '"app" is reserved for the final root filesystem')
    stageNames.add(s.name)
    for (const src of s.sources ?? [])
      if (!(src in r.pins)) at(`stages[${i}].sources`, `"${src}" is not a declared pin`)
    s.steps.forEach((st, j) => {
      if ('run' in st && (!Array.isArray(st.run) || st.run.length === 0))
        at(`stages[${i}].steps[${j}]`, 'run needs an argv array')
      if ('run' in st && st.network !== undefined && !st.network.trim())
        at(`stages[${i}].steps[${j}].network`, 'say why the step needs network')
    })
  })
  if (r.final?.closure && !stageNames.has(r.final.closure.from))
    at('final.closure.from', `"${r.final.closure.from}" is not a stage`)
  if (!r.final && !r.rootfs)
    at('final', 'missing: declare the final root filesystem (final: { from: runtime, ... })')
  if (r.rootfs && !(r.rootfs in r.pins)) at('rootfs', `"${r.rootfs}" is not a declared pin`)

  // Runtime contract.
  const rt = r.runtime
  const ex = r.exemptions ?? {}
  const reason = (k: keyof typeof ex): boolean => typeof ex[k] === 'string' && ex[k]!.trim().length > 0
  for (const k of Object.keys(ex) as (keyof typeof ex)[])
    if (!reason(k)) at(`exemptions.${k}`, 'an exemption needs a reason')
  if (!Array.isArray(rt.entrypoint) || (rt.entrypoint.length === 0 && r.kind !== 'base'))
    at('runtime.entrypoint', 'missing: the binary to run, as an argv array')
  else if (rt.entrypoint.length > 0 && !rt.entrypoint[0]!.startsWith('/'))
    at('runtime.entrypoint', 'the binary must be an absolute path (there is no shell to search PATH)')
  if (rt.user) {
    for (const k of ['uid', 'gid'] as const) {
      if (!Number.isInteger(rt.user[k]) || rt.user[k] < 0)
        at(`runtime.user.${k}`, 'must be a non-negative integer')
    }
    if (rt.user.uid === 0 && !reason('root'))
      at('runtime.user.uid', 'runs as root: use a non-root uid, or set exemptions.root with the reason')
  }
  rt.ports?.forEach((p, i) => {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)
      at(`runtime.ports[${i}].port`, `${p.port} is not a port (1-65535)`)
    else if (p.port < 1024)
      at(
        `runtime.ports[${i}].port`,
        `${p.port} is privileged: listen on a port >= 1024 (no capabilities at run time)`,
      )
  })
  for (const [i, v] of (rt.volumes ?? []).entries())
    if (!v.startsWith('/')) at(`runtime.volumes[${i}]`, 'must be an absolute path')
  if (rt.stopSignal && !SIGNAL.test(rt.stopSignal))
    at('runtime.stopSignal', `"${rt.stopSignal}" is not a signal name like SIGTERM`)
  if (rt.healthcheck) {
    const h = rt.healthcheck
    for (const k of ['interval', 'timeout', 'startPeriod'] as const) {
      const v = h[k]
      if (v !== undefined && !isDuration(v))
        at(`runtime.healthcheck.${k}`, `expected a duration like "10s", got "${v}"`)
    }
    if (h.retries !== undefined && (!Number.isInteger(h.retries) || h.retries < 1))
      at('runtime.healthcheck.retries', 'must be a positive integer')
    const p = h.probe
    if ('port' in p && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535))
      at('runtime.healthcheck.probe.port', `${p.port} is not a port`)
    if (p.kind === 'http' && !p.path.startsWith('/'))
      at('runtime.healthcheck.probe.path', 'must start with /')
  } else if (!reason('healthcheck') && r.kind !== 'base') {
    at(
      'runtime.healthcheck',
      'missing: declare a probe (http, tcp, expect, exec) or set exemptions.healthcheck with the reason',
    )
  }
  if (rt.metrics) {
    if (!Number.isInteger(rt.metrics.port) || rt.metrics.port < 1 || rt.metrics.port > 65535)
      at('runtime.metrics.port', `${rt.metrics.port} is not a port`)
    if (rt.metrics.path !== undefined && !rt.metrics.path.startsWith('/'))
      at('runtime.metrics.path', 'must start with /')
  } else if (!reason('metrics') && r.kind !== 'base') {
    at(
      'runtime.metrics',
      'missing: declare the Prometheus endpoint (native or exporter) or set exemptions.metrics with the reason',
    )
  }
  return problems
}

/** Problems across the whole set: duplicate names and references to unknown images. */
export function validateSet(recipes: { recipe: Recipe; path: string }[]): Problem[] {
  const problems: Problem[] = []
  const seen = new Map<string, string>()
  for (const { recipe, path } of recipes) {
    const prev = seen.get(recipe.name)
    if (prev) problems.push({ path: recipe.name, message: `defined twice: ${prev} and ${path}; rename one` })
    else seen.set(recipe.name, path)
  }
  for (const { recipe } of recipes) {
    const m = recipe.runtime.metrics?.exporter
    if (m && !seen.has(refName(m)))
      problems.push({
        path: `${recipe.name}.runtime.metrics.exporter`,
        message: `unknown image "${refName(m)}"`,
      })
  }
  return problems
}

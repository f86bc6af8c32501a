// Human-readable report of a refresh: per image the BOM diff, failures with their hints, and the cascade
// of cache keys that the next build will rebuild.
import { describeChange } from '../bom.ts'
import type { RefreshResult } from './run.ts'

export function formatRefresh(
  result: RefreshResult,
  opts: { check?: boolean } = {},
): { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  for (const o of result.images) {
    const failed = o.pins.filter((p) => p.status === 'failed')
    if (o.lockChanged) {
      out.push(
        `${o.image}: ${opts.check ? 'out of date' : 'refreshed'}${o.commit ? ` (commit ${o.commit.slice(0, 12)})` : ''}`,
      )
      for (const c of o.changes) out.push(`  ${describeChange(c)}`)
      const silent = o.pins.filter(
        (p) => (p.status === 'updated' || p.status === 'new') && o.changes.length === 0,
      )
      for (const p of silent) out.push(`  ${p.pin}: re-pinned (same version, new files or metadata)`)
    } else if (!failed.length) {
      out.push(`${o.image}: up to date`)
    }
    for (const p of o.pins) {
      if (p.acceptedChange)
        err.push(`warning: ${o.image}.${p.pin}: ${p.acceptedChange} (accepted with --accept-changed)`)
      if (p.status === 'no-resolver' && p.error) err.push(`warning: ${p.error.message}; kept as locked`)
    }
    for (const p of failed) {
      err.push(`${o.image}.${p.pin}: FAILED [${p.error?.code}]: ${p.error?.message}`)
      if (p.error?.hint) err.push(`  what to do: ${p.error.hint}`)
      err.push(
        `  ${p.before ? `kept ${p.before.version} as locked` : 'not in lock.json: the image cannot build until this resolves'}`,
      )
    }
  }
  if (result.rendered.length) out.push(`rendered ${result.rendered.join(', ')}`)
  if (result.keysChanged.length)
    out.push(`cache keys changed (the next build rebuilds these): ${result.keysChanged.join(', ')}`)
  for (const p of result.problems) err.push(`after refresh the repository does not open:\n${p}`)
  return { out, err }
}

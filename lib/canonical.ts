// Canonical JSON (sorted keys, no whitespace) and sha256 helpers: the basis of every cache key.
import { createHash } from 'node:crypto'

/** JSON with object keys sorted at every level, so equal values give equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

/** Pretty JSON with sorted keys and a trailing newline: for committed files (small, stable diffs). */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k]
      if (v !== undefined) out[k] = sortKeys(v)
    }
    return out
  }
  return value
}

export function sha256hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

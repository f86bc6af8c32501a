// The bill of materials: one flat map of every pinned input, and the commit message from two of them.
import { bomEntries, type LockedPin } from './pin.ts'

export type Bom = Record<string, string>

export function bomOf(pins: Record<string, LockedPin>): Bom {
  const out: Bom = {}
  for (const name of Object.keys(pins).sort()) Object.assign(out, bomEntries(name, pins[name]!))
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

export interface BomChange {
  key: string
  from?: string
  to?: string
}

export function diffBom(before: Bom, after: Bom): BomChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
  const out: BomChange[] = []
  for (const key of keys) {
    const from = before[key]
    const to = after[key]
    if (from === to) continue
    out.push({ key, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) })
  }
  return out
}

export function describeChange(c: BomChange): string {
  if (c.from === undefined) return `${c.key} (new) ${c.to}`
  if (c.to === undefined) return `${c.key} ${c.from} (removed)`
  return `${c.key} ${c.from} -> ${c.to}`
}

/**
 * The commit message for an image's BOM change, contempt style:
 * one change gives `[redis] debian-src:redis 7.0.15-1~deb12u6 -> 7.0.15-1~deb12u7`;
 * several give `[redis] 3 changes` and one line per change in the body.
 */
export function bomCommitMessage(image: string, changes: BomChange[]): { subject: string; body: string } {
  if (changes.length === 0) return { subject: `[${image}] no changes`, body: '' }
  if (changes.length === 1) return { subject: `[${image}] ${describeChange(changes[0]!)}`, body: '' }
  return {
    subject: `[${image}] ${changes.length} changes`,
    body: changes.map((c) => `- ${describeChange(c)}`).join('\n'),
  }
}

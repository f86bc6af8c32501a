// Formatting for the bench output: aligned plain-text tables for the terminal, Markdown tables for the
// README, and short units (ms, s, MB, ratios) so rows stay readable.

/** Text columns left-aligned, numeric ones (digits, units, ratios) right-aligned. */
export function formatTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const numeric = head.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^(-|[~<>]?[\d.,]+\s?\S*)$/.test(r[i] ?? '')),
  )
  const line = (r: string[]): string =>
    head
      .map((_, i) => {
        const c = r[i] ?? ''
        return numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)
      })
      .join('  ')
      .trimEnd()
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export function markdownTable(head: string[], rows: string[][]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|')
  const numeric = head.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^(-|[~<>]?[\d.,]+\s?\S*)$/.test(r[i] ?? '')),
  )
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${head.map((_, i) => esc(r[i] ?? '')).join(' | ')} |`),
  ].join('\n')
}

/** `-` for a missing figure (NaN, undefined). */
function missing(x: number | undefined): x is undefined {
  return x === undefined || !Number.isFinite(x)
}

export function ms(x: number | undefined): string {
  if (missing(x)) return '-'
  return x < 10 ? `${x.toFixed(2)} ms` : `${Math.round(x)} ms`
}

export function seconds(x: number | undefined): string {
  return missing(x) ? '-' : `${x.toFixed(x < 10 ? 2 : 1)} s`
}

export function times(x: number | undefined): string {
  return missing(x) ? '-' : `${x.toFixed(x < 10 ? 1 : 0)}x`
}

export function megabytes(bytes: number | undefined): string {
  if (missing(bytes)) return '-'
  const mb = bytes / 1e6
  return `${mb.toFixed(mb < 10 ? 2 : 1)} MB`
}

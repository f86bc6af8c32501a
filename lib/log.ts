// Log events: a union keyed by `kind`, one formatter each (a new kind without a formatter does not
// compile). Plain lines in CI and pipes; `--json` prints the events themselves.

export type Event =
  | { kind: 'plan'; images: string[]; levels: string[][] }
  | {
      kind: 'stage'
      image: string
      stage: 'fetch' | 'build' | 'pack' | 'load' | 'push' | 'test' | 'start'
      detail?: string
    }
  | { kind: 'cached'; image: string; where: string }
  | { kind: 'built'; image: string; digest: string; seconds: number; bytes?: number }
  | {
      kind: 'pushed'
      image: string
      registry: string
      tags: string[]
      blobsUploaded: number
      blobsSkipped: number
    }
  | { kind: 'failed'; image: string; error: string; hint?: string; logTail?: string }
  | { kind: 'skipped'; image: string; because: string }
  | { kind: 'warn'; message: string; image?: string }
  | { kind: 'info'; message: string }

type Formatters = { [K in Event['kind']]: (e: Extract<Event, { kind: K }>) => string }

const fmt: Formatters = {
  plan: (e) =>
    `plan: ${e.images.length} image(s) in ${e.levels.length} level(s): ${e.levels.map((l) => l.join(' ')).join(' | ')}`,
  stage: (e) => `${e.image}: ${e.stage}${e.detail ? ` ${e.detail}` : ''}`,
  cached: (e) => `${e.image}: cached (${e.where}), skipping build`,
  built: (e) =>
    `${e.image}: built ${e.digest.slice(0, 19)} in ${e.seconds.toFixed(1)}s${e.bytes ? ` (${(e.bytes / 1e6).toFixed(1)} MB)` : ''}`,
  pushed: (e) =>
    `${e.image}: pushed to ${e.registry} as ${e.tags.join(', ')} (${e.blobsUploaded} blob(s) uploaded, ${e.blobsSkipped} already there)`,
  failed: (e) =>
    `${e.image}: FAILED: ${e.error}${e.hint ? `\n  hint: ${e.hint}` : ''}${e.logTail ? `\n  --- last log lines ---\n${e.logTail.replace(/^/gm, '  | ')}` : ''}`,
  skipped: (e) => `${e.image}: skipped (${e.because})`,
  warn: (e) => `warning: ${e.image ? `${e.image}: ` : ''}${e.message}`,
  info: (e) => e.message,
}

export function format(e: Event): string {
  return (fmt[e.kind] as (e: Event) => string)(e)
}

export interface Logger {
  emit(e: Event): void
}

/**
 * Plain lines (CI, pipes) with each image's elapsed time; on a terminal with `live`, a status block
 * of one line per image redrawn in place, with results and warnings printed above it.
 */
export function consoleLogger(opts: { json?: boolean; quiet?: boolean; live?: boolean } = {}): Logger {
  const started = new Map<string, number>()
  const elapsed = (image: string): string => {
    const t0 = started.get(image) ?? performance.now()
    started.set(image, t0)
    return `[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s]`
  }
  const live = opts.live && process.stdout.isTTY && !process.env.CI
  const status = new Map<string, string>()
  let drawn = 0
  const redraw = (): void => {
    if (!live) return
    const lines = [...status.entries()].map(([image, s]) => `  ${image.padEnd(16)} ${s}`)
    process.stdout.write(
      `${drawn ? `\x1b[${drawn}A` : ''}\x1b[J${lines.join('\n')}${lines.length ? '\n' : ''}`,
    )
    drawn = lines.length
  }
  const above = (stream: NodeJS.WriteStream, line: string): void => {
    if (live && drawn) process.stdout.write(`\x1b[${drawn}A\x1b[J`)
    drawn = 0
    stream.write(`${line}\n`)
    redraw()
  }
  return {
    emit(e) {
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(e)}\n`)
        return
      }
      if (e.kind === 'stage') {
        const t = elapsed(e.image)
        if (live) {
          status.set(e.image, `${t} ${e.stage}${e.detail ? ` (${e.detail})` : ''}`)
          redraw()
        } else if (!opts.quiet) process.stdout.write(`${t} ${format(e)}\n`)
        return
      }
      if (opts.quiet && (e.kind === 'info' || e.kind === 'plan')) return
      if ('image' in e && e.image) status.delete(e.image)
      above(e.kind === 'failed' || e.kind === 'warn' ? process.stderr : process.stdout, format(e))
    },
  }
}

/** Collects events (tests, summaries). */
export function memoryLogger(): Logger & { events: Event[] } {
  const events: Event[] = []
  return { events, emit: (e) => void events.push(e) }
}

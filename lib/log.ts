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

export function consoleLogger(opts: { json?: boolean; quiet?: boolean } = {}): Logger {
  return {
    emit(e) {
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(e)}\n`)
        return
      }
      if (opts.quiet && (e.kind === 'stage' || e.kind === 'info' || e.kind === 'plan')) return
      const line = format(e)
      if (e.kind === 'failed' || e.kind === 'warn') process.stderr.write(`${line}\n`)
      else process.stdout.write(`${line}\n`)
    },
  }
}

/** Collects events (tests, summaries). */
export function memoryLogger(): Logger & { events: Event[] } {
  const events: Event[] = []
  return { events, emit: (e) => void events.push(e) }
}

// The error hierarchy: every error a user can meet has a stable code and says what to do next.
// Only the CLI (lib/cli.ts) turns these into exit codes and printed messages.

/** Exit codes: distinct for bad input (fix your files) and for failed work (look at logs). */
export const EXIT = { ok: 0, failed: 1, invalid: 2, config: 3, outdated: 4 } as const

export class AtelierError extends Error {
  /** Stable machine-readable code, e.g. `E_CYCLE`. */
  readonly code: string
  /** What the user should do next. */
  readonly hint: string | undefined
  readonly exitCode: number
  constructor(
    code: string,
    message: string,
    opts: { hint?: string; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.code = code
    this.hint = opts.hint
    this.exitCode = opts.exitCode ?? EXIT.failed
  }
}

/** One problem found by validation, located by a dot-path such as `redis.runtime.ports[0]`. */
export interface Problem {
  path: string
  message: string
}

/** Bad recipes or locks: every problem at once, before any work starts. */
export class ValidationError extends AtelierError {
  readonly problems: Problem[]
  constructor(problems: Problem[]) {
    super(
      'E_INVALID',
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in recipes:\n` +
        problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'),
      { exitCode: EXIT.invalid, hint: 'fix the recipes named above, then run the command again' },
    )
    this.problems = problems
  }
}

/** Unknown image names and dependency cycles. */
export class GraphError extends AtelierError {
  constructor(code: 'E_UNKNOWN_IMAGE' | 'E_CYCLE', message: string, hint?: string) {
    super(code, message, { exitCode: EXIT.invalid, ...(hint ? { hint } : {}) })
  }
}

/** Site configuration (CUE) that does not unify or fails its schema. */
export class ConfigError extends AtelierError {
  constructor(message: string, hint = 'fix config/site.cue (see config/defaults.cue for the fields)') {
    super('E_CONFIG', message, { exitCode: EXIT.config, hint })
  }
}

/** A download whose bytes do not match the pinned sha256. Nothing is stored under the pin. */
export class HashMismatchError extends AtelierError {
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly received: string,
  ) {
    super(
      'E_HASH_MISMATCH',
      `sha256 mismatch for ${url}\n  expected sha256:${expected}\n  received sha256:${received}`,
      {
        hint: 'the upstream file changed under a pinned version: check why, then run `pnpm refresh` to re-pin it',
      },
    )
  }
}

/** A lock that is missing, stale or no longer served by the mirror. */
export class LockError extends AtelierError {
  constructor(message: string, hint = 'run `pnpm refresh <image>` to re-resolve its pins') {
    super('E_LOCK', message, { exitCode: EXIT.invalid, hint })
  }
}

/** A command (engine, mmdebstrap, ...) that failed; carries what is needed to act on it. */
export class CommandError extends AtelierError {
  constructor(
    readonly argv: string[],
    readonly exit: number | null,
    readonly stderrTail: string,
    hint?: string,
  ) {
    super('E_COMMAND', `\`${argv.join(' ')}\` exited with ${exit}\n${stderrTail}`, hint ? { hint } : {})
  }
}

/** Registry protocol failures (4xx with the registry's own error, or 5xx after retries). */
export class RegistryError extends AtelierError {
  constructor(
    message: string,
    readonly status?: number,
    hint?: string,
  ) {
    super('E_REGISTRY', message, hint ? { hint } : {})
  }
}

/** Wrong command-line usage. */
export class UsageError extends AtelierError {
  constructor(message: string, hint?: string) {
    super('E_USAGE', message, { exitCode: EXIT.invalid, ...(hint ? { hint } : {}) })
  }
}

/** An upstream lookup (npm, GitHub, a listing page, a registry, a mirror) that failed or made no sense. */
export class UpstreamError extends AtelierError {
  constructor(
    message: string,
    hint = "check the URL (config or the image's refresh.ts) and that the host answers; the pin was left as it was",
  ) {
    super('E_UPSTREAM', message, { hint })
  }
}

/** A file that changed upstream while its version did not: never re-pinned silently. */
export class UpstreamChangedError extends AtelierError {
  constructor(
    readonly url: string,
    readonly before: string,
    readonly after: string,
  ) {
    super(
      'E_UPSTREAM_CHANGED',
      `upstream changed ${url} without a version change: sha256 ${before} -> ${after}`,
      {
        hint: 'find out why upstream re-published it; if the new file is right, run `pnpm refresh --accept-changed`',
      },
    )
  }
}

/** A metrics page that is not valid Prometheus text exposition format; names the line. */
export class MetricsFormatError extends AtelierError {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super('E_METRICS_FORMAT', `line ${line}: ${message}`, {
      hint: 'fix the exporter or app so its page follows the Prometheus text format (see `promtool check metrics`)',
    })
  }
}

/** A download that failed for a reason other than its content (HTTP status, dropped connection). */
export class FetchError extends AtelierError {
  constructor(
    readonly url: string,
    message: string,
    readonly status?: number,
    cause?: unknown,
  ) {
    super('E_FETCH', `${url}: ${message}`, {
      hint: 'check the network and the configured mirrors, then run the command again (a partial download is resumed)',
      ...(cause === undefined ? {} : { cause }),
    })
  }
}

// The one place errors become exit codes and messages. hack/ scripts call `main(async (argv) => ...)`.
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { AtelierError, EXIT, UsageError } from './errors.ts'

// Dependencies' deprecation notices (the SBOM validator's punycode) are not the user's business.
// hack/ scripts import this module first, so this runs before those dependencies load.
process.noDeprecation = true

export type Options = NonNullable<ParseArgsConfig['options']>

export function parse<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
  } catch (e) {
    throw new UsageError((e as Error).message, usage)
  }
}

/** Run a command: print errors as `error [CODE]: message` + hint, stack only with --debug. */
export function main(fn: (argv: string[]) => Promise<number | undefined>): void {
  const argv = process.argv.slice(2)
  const debug = argv.includes('--debug') || process.env.ATELIER_DEBUG === '1'
  fn(argv.filter((a) => a !== '--debug')).then(
    (code) => {
      process.exitCode = code ?? EXIT.ok
    },
    (e: unknown) => {
      if (e instanceof AtelierError) {
        process.stderr.write(`error [${e.code}]: ${e.message}\n`)
        if (e.hint) process.stderr.write(`  what to do: ${e.hint}\n`)
        if (debug) process.stderr.write(`${e.stack}\n`)
        process.exitCode = e.exitCode
      } else {
        process.stderr.write(
          `internal error: ${e instanceof Error ? (debug ? e.stack : e.message) : String(e)}\n`,
        )
        if (!debug) process.stderr.write('  (run again with --debug for the stack)\n')
        process.exitCode = EXIT.failed
      }
    },
  )
}

/** The repository root: the nearest folder above cwd with config/defaults.cue. */
export function repoRoot(): string {
  return process.env.ATELIER_ROOT ?? process.cwd()
}

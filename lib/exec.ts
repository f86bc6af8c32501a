// Running external commands (engines, mmdebstrap, git): argv arrays, never shell strings; output
// goes to a log file when given, and a failure carries the command, exit code and the log's tail.
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { CommandError } from './errors.ts'

export interface ExecOptions {
  env?: Record<string, string | undefined>
  cwd?: string
  /** Append stdout and stderr here (the engine log of an image). */
  logFile?: string
  /** Also copy the output here as it comes (`--verbose`). */
  tee?: NodeJS.WritableStream
  /** Bytes fed to stdin. */
  input?: string | Uint8Array
  /** Keep stdout in memory and return it (default true when no logFile). */
  capture?: boolean
  hint?: string
  signal?: AbortSignal
}

const TAIL = 40

export async function exec(argv: string[], opts: ExecOptions = {}): Promise<string> {
  const [cmd, ...args] = argv
  const child = spawn(cmd!, args, {
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(opts.signal ? { signal: opts.signal } : {}),
  })
  const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined
  const capture = opts.capture ?? !opts.logFile
  const out: Buffer[] = []
  let tail: string[] = []
  const keepTail = (b: Buffer): void => {
    tail = [...tail, ...b.toString('utf8').split('\n')].slice(-TAIL - 1)
  }
  child.stdout.on('data', (b: Buffer) => {
    if (capture) out.push(b)
    log?.write(b)
    opts.tee?.write(b)
    if (!capture) keepTail(b)
  })
  child.stderr.on('data', (b: Buffer) => {
    log?.write(b)
    opts.tee?.write(b)
    keepTail(b)
  })
  if (opts.input !== undefined) child.stdin.end(opts.input)
  else child.stdin.end()
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject(new CommandError(argv, null, (e as Error).message, opts.hint)))
    child.on('close', (c) => resolve(c))
  })
  await new Promise<void>((r) => (log ? log.end(r) : r()))
  if (code !== 0) throw new CommandError(argv, code, tail.join('\n').trim(), opts.hint)
  return Buffer.concat(out).toString('utf8')
}

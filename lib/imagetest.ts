// Image tests: start a built image hardened (read-only, no capabilities, non-root, private network),
// wait until healthy, scrape its metrics, run its own test.ts, stop it gracefully, check its structure.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { constants } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { durationNs } from './duration.ts'
import { AtelierError, CommandError } from './errors.ts'
import { parseExposition } from './prometheus.ts'
import type { Exemptions } from './recipe.ts'
import type { Repo } from './repo.ts'
import type { ResolvedRuntime } from './runtime.ts'
import { checkStructure, listImageFiles } from './structure.ts'

export const DOCKER = '/usr/bin/docker'

/** What an image's `test.ts` receives. The container answers at `host`; `ports` maps each exposed
 * container port to the port to dial there (the same number: tests reach the container's own IP). */
export interface TestContext {
  /** IP address of the running container on the test network. */
  host: string
  /** Container port -> port to connect to on `host`. */
  ports: Record<number, number>
  /** The image reference under test. */
  ref: string
  /** The docker client to use for anything else (`docker exec` is useless: there is no shell). */
  docker: string
}

/** `images/<name>/test.ts` default-exports one of these; it throws to fail. */
export type ImageTest = (ctx: TestContext) => Promise<void>

export interface ImageUnderTest {
  name: string
  ref: string
  runtime: ResolvedRuntime
  exemptions?: Exemptions
  /** `final.writable` of the recipe. */
  writable?: string[]
  /** Absolute path of the image's test.ts, when it has one. */
  testFile?: string
  /** The exporter image started beside it when `runtime.metrics.exporter` is set. */
  exporter?: { name: string; ref: string; runtime: ResolvedRuntime }
}

export const CHECKS = ['healthy', 'metrics', 'test', 'stop', 'structure'] as const
export type CheckName = (typeof CHECKS)[number]

export interface CheckResult {
  status: 'ok' | 'failed' | 'skipped'
  /** One line for the table's footnotes; failures say what the user sees and what went wrong. */
  detail: string
}

export interface ImageResult {
  image: string
  ref: string
  checks: Record<CheckName, CheckResult>
  seconds: number
  ok: boolean
  /** Where the container's logs were kept (failing images only). */
  logFile?: string
}

export interface ImageTestOptions {
  docker?: string
  /** Failing containers' logs go to `<logDir>/<image>.log`. @default 'build/test-logs' */
  logDir?: string
  /** Network to run on; made (and removed) per call when absent. */
  network?: string
  /** Upper bound on waiting for `healthy`, whatever the healthcheck timing says. @default 120000 */
  maxHealthWaitMs?: number
  /** Called as each check finishes (progress output). */
  onCheck?: (image: string, check: CheckName, result: CheckResult) => void
}

interface Ran {
  code: number
  stdout: string
  stderr: string
}

function run(argv: string[], opts: { allowFail?: boolean } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    child.on('error', (e) => reject(new CommandError(argv, null, e.message)))
    child.on('close', (code) => {
      const r = {
        code: code ?? -1,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }
      if (r.code !== 0 && !opts.allowFail)
        reject(new CommandError(argv, r.code, r.stderr.trim().slice(-2000)))
      else resolve(r)
    })
  })
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface ContainerState {
  Status: string
  ExitCode: number
  OOMKilled: boolean
  Health?: { Status: string; Log?: { ExitCode: number; Output: string }[] }
}

async function inspectState(docker: string, id: string): Promise<ContainerState> {
  const r = await run([docker, 'inspect', '--format', '{{json .State}}', id])
  return JSON.parse(r.stdout) as ContainerState
}

function lastProbe(s: ContainerState): string {
  const log = s.Health?.Log ?? []
  const last = log[log.length - 1]
  if (!last) return 'no probe has run yet'
  return `last probe exited ${last.ExitCode}: ${last.Output.trim().split('\n').pop() || '(no output)'}`
}

/** The hardened `docker run` argv for an image (without the ref). */
export function hardenedRunArgs(rt: ResolvedRuntime, opts: { name: string; network: string }): string[] {
  const args = [
    'run',
    '-d',
    '--name',
    opts.name,
    '--label',
    'org.atelier.test=1',
    '--network',
    opts.network,
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--user',
    `${rt.user.uid}:${rt.user.gid}`,
  ]
  for (const t of rt.tmpfs) args.push('--tmpfs', `${t}:rw,nosuid,nodev,mode=1777`)
  // Docker 20.10 waits a whole interval before the first probe; probe every second during tests.
  // Retries, timeout and start period stay the image's own.
  if (rt.healthcheck) args.push('--health-interval', '1s')
  return args
}

/** How long `healthy` may take: the start period plus every retry at the test interval, and a margin. */
export function healthWaitMs(rt: ResolvedRuntime, cap: number): number {
  const h = rt.healthcheck
  if (!h) return 0
  const ms = (d: string): number => durationNs(d) / 1e6
  return Math.min(cap, ms(h.startPeriod) + (h.retries + 1) * (1000 + ms(h.timeout)) + 10_000)
}

async function waitHealthy(
  docker: string,
  id: string,
  rt: ResolvedRuntime,
  maxWaitMs: number,
): Promise<CheckResult> {
  const t0 = Date.now()
  const deadline = t0 + (rt.healthcheck ? healthWaitMs(rt, maxWaitMs) : 1500)
  for (;;) {
    const s = await inspectState(docker, id)
    const secs = ((Date.now() - t0) / 1000).toFixed(1)
    if (s.Status === 'exited' || s.Status === 'dead')
      return {
        status: 'failed',
        detail: `exited with code ${s.ExitCode}${s.OOMKilled ? ' (out of memory)' : ''} before becoming healthy`,
      }
    if (!rt.healthcheck && Date.now() >= deadline)
      return { status: 'ok', detail: 'running (no healthcheck declared)' }
    if (s.Health?.Status === 'healthy') return { status: 'ok', detail: `healthy after ${secs}s` }
    if (s.Health?.Status === 'unhealthy')
      return { status: 'failed', detail: `unhealthy after ${secs}s: ${lastProbe(s)}` }
    if (rt.healthcheck && Date.now() >= deadline)
      return { status: 'failed', detail: `not healthy after ${secs}s (${lastProbe(s)})` }
    await sleep(250)
  }
}

async function containerIp(docker: string, id: string): Promise<string> {
  const r = await run([
    docker,
    'inspect',
    '--format',
    '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}',
    id,
  ])
  const ip = r.stdout.trim().split(/\s+/)[0]
  if (!ip) throw new AtelierError('E_IMAGE_TEST', `container ${id.slice(0, 12)} has no IP address`)
  return ip
}

/** GET the metrics page (retrying while the endpoint comes up) and parse it. */
async function scrape(url: string, waitMs: number): Promise<CheckResult> {
  const deadline = Date.now() + waitMs
  let lastError = ''
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
      const body = await res.text()
      if (res.status !== 200) return { status: 'failed', detail: `${url}: HTTP ${res.status}` }
      const { families } = parseExposition(body)
      const samples = [...families.values()].reduce((n, f) => n + f.samples.length, 0)
      if (samples === 0) return { status: 'failed', detail: `${url}: the page has no samples` }
      return { status: 'ok', detail: `${url}: ${families.size} families, ${samples} samples` }
    } catch (e) {
      if (e instanceof AtelierError) return { status: 'failed', detail: `${url}: ${e.message}` }
      lastError = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message
    }
    if (Date.now() >= deadline) return { status: 'failed', detail: `${url}: ${lastError}` }
    await sleep(500)
  }
}

function signalNumber(sig: string | undefined): number {
  if (!sig) return constants.signals.SIGTERM
  if (/^\d+$/.test(sig)) return Number(sig)
  const n = (constants.signals as Record<string, number>)[sig.startsWith('SIG') ? sig : `SIG${sig}`]
  return n ?? constants.signals.SIGTERM
}

async function stopGracefully(docker: string, id: string, rt: ResolvedRuntime): Promise<CheckResult> {
  const before = await inspectState(docker, id)
  if (before.Status !== 'running') return { status: 'skipped', detail: `not running (${before.Status})` }
  const sig = rt.stopSignal ?? 'SIGTERM'
  const t0 = Date.now()
  await run([docker, 'stop', '-t', String(rt.stopTimeout), id])
  const secs = (Date.now() - t0) / 1000
  const s = await inspectState(docker, id)
  const num = signalNumber(rt.stopSignal)
  if (s.ExitCode === 137 && num !== constants.signals.SIGKILL)
    return {
      status: 'failed',
      detail: `killed after ${secs.toFixed(1)}s: did not exit within ${rt.stopTimeout}s of ${sig} (handle ${sig}, or set runtime.stopSignal)`,
    }
  const accepted = [0, 128 + num, ...(rt.stopExitCodes ?? [])]
  if (!accepted.includes(s.ExitCode))
    return {
      status: 'failed',
      detail: `exited with code ${s.ExitCode} after ${sig} (want ${accepted.join(' or ')}; declare others in runtime.stopExitCodes)`,
    }
  return { status: 'ok', detail: `exited ${s.ExitCode} ${secs.toFixed(1)}s after ${sig}` }
}

async function structure(docker: string, img: ImageUnderTest): Promise<CheckResult> {
  const [files, user] = await Promise.all([
    listImageFiles(img.ref, docker),
    run([docker, 'image', 'inspect', '--format', '{{.Config.User}}', img.ref]).then((r) => r.stdout.trim()),
  ])
  const problems = checkStructure({
    files,
    runtime: img.runtime,
    ...(img.exemptions ? { exemptions: img.exemptions } : {}),
    ...(img.writable ? { writable: img.writable } : {}),
    imageUser: user,
  })
  if (problems.length === 0) return { status: 'ok', detail: `${files.length} entries, no problems` }
  const shown = problems.slice(0, 5).map((p) => p.message)
  if (problems.length > 5) shown.push(`... and ${problems.length - 5} more`)
  return { status: 'failed', detail: shown.join('; ') }
}

async function runOwnTest(img: ImageUnderTest, ctx: TestContext): Promise<CheckResult> {
  if (!img.testFile) return { status: 'skipped', detail: 'no test.ts' }
  const mod = (await import(pathToFileURL(img.testFile).href)) as { default?: ImageTest }
  if (typeof mod.default !== 'function')
    return { status: 'failed', detail: `${img.testFile} does not default-export an async (ctx) => void` }
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      mod.default(ctx),
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error('timed out after 60s')), 60_000)
      }),
    ])
    return { status: 'ok', detail: 'passed' }
  } catch (e) {
    return { status: 'failed', detail: `test.ts: ${(e as Error).message}` }
  } finally {
    clearTimeout(timer)
  }
}

let serial = 0
const uniq = (): string => `${process.pid}-${++serial}`

/** Test one image. Never throws for a failing image: failures are in the result. */
export async function testImage(img: ImageUnderTest, opts: ImageTestOptions = {}): Promise<ImageResult> {
  const docker = opts.docker ?? DOCKER
  const t0 = Date.now()
  const checks = Object.fromEntries(
    CHECKS.map((c) => [c, { status: 'skipped', detail: 'not reached' } as CheckResult]),
  ) as Record<CheckName, CheckResult>
  const set = (c: CheckName, r: CheckResult): void => {
    checks[c] = r
    opts.onCheck?.(img.name, c, r)
  }
  const ownNetwork = !opts.network
  const network = opts.network ?? `atelier-test-${uniq()}`
  const rt = img.runtime
  const ids: string[] = []
  let app = ''
  let logTail = ''
  try {
    if (ownNetwork) await run([docker, 'network', 'create', '--internal', network])
    app = (
      await run([
        docker,
        ...hardenedRunArgs(rt, { name: `atelier-test-${img.name}-${uniq()}`, network }),
        img.ref,
      ])
    ).stdout.trim()
    ids.push(app)
    const health = await waitHealthy(docker, app, rt, opts.maxHealthWaitMs ?? 120_000)
    if (health.status === 'failed') {
      logTail = (
        await run([docker, 'logs', '--tail', '20', app], { allowFail: true }).then((r) => r.stdout + r.stderr)
      ).trimEnd()
      health.detail += logTail ? `\n${logTail}` : '\n(no log output)'
    }
    set('healthy', health)
    if (health.status === 'ok') {
      const host = await containerIp(docker, app)
      const m = rt.metrics
      if (!m)
        set('metrics', {
          status: 'skipped',
          detail: img.exemptions?.metrics ? `exempt: ${img.exemptions.metrics}` : 'none declared',
        })
      else {
        if (img.exporter) {
          // The exporter shares the app's network namespace (a sidecar): it reaches the app on
          // 127.0.0.1 at its default address, and serves metrics on the app's IP.
          const ex = img.exporter
          const args = hardenedRunArgs(ex.runtime, { name: `atelier-test-${ex.name}-${uniq()}`, network })
          args.splice(args.indexOf('--network') + 1, 1, `container:${app}`)
          const exId = (await run([docker, ...args, ex.ref])).stdout.trim()
          ids.push(exId)
          const exHealth = await waitHealthy(docker, exId, ex.runtime, opts.maxHealthWaitMs ?? 120_000)
          if (exHealth.status === 'failed')
            set('metrics', { status: 'failed', detail: `exporter ${ex.name}: ${exHealth.detail}` })
        }
        if (checks.metrics.status !== 'failed')
          set('metrics', await scrape(`http://${host}:${m.port}${m.path}`, 10_000))
      }
      const ports = Object.fromEntries(rt.ports.map((p) => [p.port, p.port]))
      set('test', await runOwnTest(img, { host, ports, ref: img.ref, docker }))
      for (const id of ids.slice(1)) await run([docker, 'stop', '-t', '5', id], { allowFail: true })
    }
    set('stop', await stopGracefully(docker, app, rt))
  } catch (e) {
    const first = CHECKS.find((c) => checks[c].detail === 'not reached') ?? 'healthy'
    set(first, { status: 'failed', detail: e instanceof Error ? e.message : String(e) })
  }
  try {
    set('structure', await structure(docker, img))
  } catch (e) {
    set('structure', { status: 'failed', detail: (e as Error).message })
  }
  const ok = CHECKS.every((c) => checks[c].status !== 'failed')
  let logFile: string | undefined
  if (!ok && app) logFile = await keepLogs(docker, app, img, checks, opts.logDir ?? 'build/test-logs')
  for (const id of ids) await run([docker, 'rm', '-f', '-v', id], { allowFail: true })
  if (ownNetwork) await run([docker, 'network', 'rm', network], { allowFail: true })
  return {
    image: img.name,
    ref: img.ref,
    checks,
    seconds: (Date.now() - t0) / 1000,
    ok,
    ...(logFile ? { logFile } : {}),
  }
}

async function keepLogs(
  docker: string,
  id: string,
  img: ImageUnderTest,
  checks: Record<CheckName, CheckResult>,
  logDir: string,
): Promise<string> {
  const logs = await run([docker, 'logs', '--timestamps', id], { allowFail: true })
  const state = await run([docker, 'inspect', '--format', '{{json .State}}', id], { allowFail: true })
  const file = join(logDir, `${img.name}.log`)
  await mkdir(logDir, { recursive: true })
  const summary = CHECKS.map(
    (c) => `# ${c}: ${checks[c].status}: ${checks[c].detail.replace(/\n/g, '\n#   ')}`,
  )
  await writeFile(
    file,
    `# atelier image test of ${img.ref}\n${summary.join('\n')}\n# state: ${state.stdout.trim()}\n\n${logs.stdout}${logs.stderr}`,
  )
  return file
}

/** Test images one after another on one private network; results in the same order. */
export async function testImages(
  imgs: ImageUnderTest[],
  opts: ImageTestOptions = {},
): Promise<ImageResult[]> {
  const docker = opts.docker ?? DOCKER
  const network = opts.network ?? `atelier-test-${process.pid}`
  const own = !opts.network
  if (own) await run([docker, 'network', 'create', '--internal', network])
  try {
    const out: ImageResult[] = []
    for (const img of imgs) out.push(await testImage(img, { ...opts, docker, network }))
    return out
  } finally {
    if (own) await run([docker, 'network', 'rm', network], { allowFail: true })
  }
}

interface ImageConfig {
  User?: string
  Entrypoint?: string[] | null
  Cmd?: string[] | null
  WorkingDir?: string
  Env?: string[] | null
  ExposedPorts?: Record<string, object> | null
  Volumes?: Record<string, object> | null
  StopSignal?: string
  StopTimeout?: number
  Healthcheck?: {
    Test?: string[]
    Interval?: number
    Timeout?: number
    StartPeriod?: number
    Retries?: number
  }
  Labels?: Record<string, string> | null
}

// Whole milliseconds, in the recipe duration syntax.
const secs = (ns: number | undefined, dflt: string): string =>
  ns ? `${Math.max(1, Math.round(ns / 1e6))}ms` : dflt

/** A runtime read back from an image's config and labels (for `--ref` of an image with no recipe here). */
export function runtimeFromConfig(c: ImageConfig): ResolvedRuntime {
  const [uid = 0, gid = uid] = (c.User ?? '').split(':').map((x) => (/^\d+$/.test(x) ? Number(x) : 0))
  const labels = c.Labels ?? {}
  const h = c.Healthcheck
  const mport = labels['org.atelier.metrics.port']
  return {
    user: { uid, gid },
    workdir: c.WorkingDir || '/',
    env: Object.fromEntries(
      (c.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    ),
    entrypoint: c.Entrypoint ?? [],
    cmd: c.Cmd ?? [],
    ports: Object.keys(c.ExposedPorts ?? {}).map((k) => {
      const [port, proto] = k.split('/')
      return { port: Number(port), protocol: proto === 'udp' ? 'udp' : 'tcp' }
    }),
    volumes: Object.keys(c.Volumes ?? {}).sort(),
    tmpfs: [],
    ...(c.StopSignal ? { stopSignal: c.StopSignal } : {}),
    stopTimeout: c.StopTimeout ?? 10,
    ...(h?.Test && h.Test[0] !== 'NONE'
      ? {
          healthcheck: {
            test: h.Test.slice(1),
            interval: secs(h.Interval, '30s'),
            timeout: secs(h.Timeout, '30s'),
            startPeriod: secs(h.StartPeriod, '0s'),
            retries: h.Retries || 3,
          },
        }
      : {}),
    ...(mport
      ? {
          metrics: {
            port: Number(mport),
            path: labels['org.atelier.metrics.path'] ?? '/metrics',
            ...(labels['org.atelier.metrics.exporter']
              ? { exporter: labels['org.atelier.metrics.exporter'] }
              : {}),
          },
        }
      : {}),
    labels,
  }
}

/** An image known only by its reference: its runtime comes from its config. */
export async function imageFromRef(
  ref: string,
  extra: Partial<Omit<ImageUnderTest, 'ref' | 'runtime'>> = {},
  docker = DOCKER,
): Promise<ImageUnderTest> {
  const r = await run([docker, 'image', 'inspect', '--format', '{{json .Config}}', ref], { allowFail: true })
  if (r.code !== 0)
    throw new AtelierError('E_IMAGE_TEST', `no local image ${ref}`, {
      hint: 'build it first, or check the reference',
    })
  const runtime = runtimeFromConfig(JSON.parse(r.stdout) as ImageConfig)
  return { name: extra.name ?? ref.replace(/[^a-z0-9-]+/g, '-'), ...extra, ref, runtime }
}

/** An image of the repository as its plan and recipe describe it; `ref` overrides the plan's reference. */
export function imageFromPlan(repo: Repo, name: string, ref?: string): ImageUnderTest {
  const p = repo.plans[name]
  if (!p) throw new AtelierError('E_UNKNOWN_IMAGE', `no image named "${name}"`, { exitCode: 2 })
  const loaded = repo.images[name]!
  const testFile = join(repo.root, loaded.dir, 'test.ts')
  const exName = p.plan.runtime.metrics?.exporter
  const ex = exName ? repo.plans[exName] : undefined
  return {
    name,
    ref: ref ?? p.ref,
    runtime: p.plan.runtime,
    ...(loaded.recipe.exemptions ? { exemptions: loaded.recipe.exemptions } : {}),
    ...(loaded.recipe.final?.writable ? { writable: loaded.recipe.final.writable } : {}),
    ...(existsSync(testFile) ? { testFile } : {}),
    ...(ex && exName ? { exporter: { name: exName, ref: ex.ref, runtime: ex.plan.runtime } } : {}),
  }
}

/**
 * The repository's images to test: the named ones, or every non-base image built in the local engine
 * (under its plan's `atelier/<name>:key-...` reference). Named images that are not built are reported.
 */
export async function imagesUnderTest(
  repo: Repo,
  names: string[],
  docker = DOCKER,
): Promise<{ images: ImageUnderTest[]; missing: { name: string; ref: string }[] }> {
  const wanted = names.length ? names : Object.keys(repo.plans).sort()
  const images: ImageUnderTest[] = []
  const missing: { name: string; ref: string }[] = []
  for (const name of wanted) {
    const img = imageFromPlan(repo, name)
    if (repo.plans[name]!.plan.kind === 'base' && !names.length) continue
    const built =
      (await run([docker, 'image', 'inspect', '--format', '{{.Id}}', img.ref], { allowFail: true })).code ===
      0
    if (built) images.push(img)
    else if (names.length) missing.push({ name, ref: img.ref })
  }
  return { images, missing }
}

const MARK: Record<CheckResult['status'], string> = { ok: 'ok', failed: 'FAIL', skipped: '-' }

/** The results table, then one footnote per failed check (its first line; logs are in the log file). */
export function resultsTable(results: ImageResult[]): string {
  const head = ['image', ...CHECKS, 'time']
  const rows = results.map((r) => [
    r.image,
    ...CHECKS.map((c) => MARK[r.checks[c].status]),
    `${r.seconds.toFixed(1)}s`,
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd()
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)]
  for (const r of results) {
    for (const c of CHECKS) {
      if (r.checks[c].status !== 'failed') continue
      out.push(`${r.image} ${c}: ${r.checks[c].detail.replace(/\n/g, '\n    | ')}`)
    }
    if (r.logFile) out.push(`${r.image}: logs kept in ${r.logFile}`)
  }
  return `${out.join('\n')}\n`
}

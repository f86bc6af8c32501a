// The runtime contract in one place: defaults applied to a recipe's runtime block, the healthcheck
// command for the static helper, and the OCI/Docker image config the packer writes.
import { durationNs } from './duration.ts'
import type { Healthcheck, Probe, Recipe } from './recipe.ts'

/** Where final images carry the static healthcheck helper (built by base/healthcheck). */
export const HEALTHCHECK_BIN = '/usr/local/bin/healthcheck'

export const HEALTHCHECK_DEFAULTS = { interval: '10s', timeout: '3s', startPeriod: '5s', retries: 3 } as const

/** argv of the helper for a probe, e.g. `healthcheck tcp 127.0.0.1:6379`. */
export function probeArgv(probe: Probe): string[] {
  switch (probe.kind) {
    case 'http': {
      const [lo, hi] = probe.status ?? [200, 399]
      return [
        HEALTHCHECK_BIN,
        probe.tls ? 'https' : 'http',
        `127.0.0.1:${probe.port}`,
        probe.path,
        `${lo}-${hi}`,
      ]
    }
    case 'tcp':
      return [HEALTHCHECK_BIN, 'tcp', `127.0.0.1:${probe.port}`]
    case 'expect':
      return [HEALTHCHECK_BIN, 'expect', `127.0.0.1:${probe.port}`, probe.send, probe.expect]
    case 'exec':
      return [HEALTHCHECK_BIN, 'exec', ...probe.argv]
  }
}

export interface ResolvedHealthcheck {
  test: string[]
  interval: string
  timeout: string
  startPeriod: string
  retries: number
}

export function resolveHealthcheck(h: Healthcheck): ResolvedHealthcheck {
  return {
    test: probeArgv(h.probe),
    interval: h.interval ?? HEALTHCHECK_DEFAULTS.interval,
    timeout: h.timeout ?? HEALTHCHECK_DEFAULTS.timeout,
    startPeriod: h.startPeriod ?? HEALTHCHECK_DEFAULTS.startPeriod,
    retries: h.retries ?? HEALTHCHECK_DEFAULTS.retries,
  }
}

/** The runtime block with every default filled in: what the image config says. */
export interface ResolvedRuntime {
  user: { uid: number; gid: number }
  workdir: string
  env: Record<string, string>
  entrypoint: string[]
  cmd: string[]
  ports: { port: number; protocol: 'tcp' | 'udp'; name?: string }[]
  volumes: string[]
  tmpfs: string[]
  stopSignal?: string
  stopTimeout: number
  stopExitCodes?: number[]
  healthcheck?: ResolvedHealthcheck
  metrics?: { port: number; path: string; exporter?: string }
  labels: Record<string, string>
}

export function resolveRuntime(
  recipe: Recipe,
  site: { uid: number; gid: number },
  labels: Record<string, string>,
): ResolvedRuntime {
  const r = recipe.runtime
  const user = r.user ?? { uid: site.uid, gid: site.gid }
  const ports = (r.ports ?? []).map((p) => ({
    port: p.port,
    protocol: p.protocol ?? 'tcp',
    ...(p.name ? { name: p.name } : {}),
  }))
  const metrics = r.metrics
    ? {
        port: r.metrics.port,
        path: r.metrics.path ?? '/metrics',
        ...(r.metrics.exporter
          ? {
              exporter: typeof r.metrics.exporter === 'string' ? r.metrics.exporter : r.metrics.exporter.name,
            }
          : {}),
      }
    : undefined
  const allLabels: Record<string, string> = { ...labels, ...(r.labels ?? {}) }
  if (metrics) {
    allLabels['org.atelier.metrics.port'] = String(metrics.port)
    allLabels['org.atelier.metrics.path'] = metrics.path
    if (metrics.exporter) allLabels['org.atelier.metrics.exporter'] = metrics.exporter
    // Native endpoints are exposed; an exporter's port belongs to the exporter image.
    if (!metrics.exporter && !ports.some((p) => p.port === metrics.port))
      ports.push({ port: metrics.port, protocol: 'tcp', name: 'metrics' })
  }
  ports.sort((a, b) => a.port - b.port)
  return {
    user,
    workdir: r.workdir ?? '/',
    env: r.env ?? {},
    entrypoint: r.entrypoint,
    cmd: r.cmd ?? [],
    ports,
    volumes: [...(r.volumes ?? [])].sort(),
    tmpfs: [...(r.tmpfs ?? [])].sort(),
    ...(r.stopSignal ? { stopSignal: r.stopSignal } : {}),
    stopTimeout: r.stopTimeout ?? 10,
    ...(r.stopExitCodes?.length ? { stopExitCodes: [...r.stopExitCodes].sort((a, b) => a - b) } : {}),
    ...(r.healthcheck ? { healthcheck: resolveHealthcheck(r.healthcheck) } : {}),
    ...(metrics ? { metrics } : {}),
    labels: allLabels,
  }
}

/** The `config` object of an OCI image config (plus Docker's Healthcheck, which docker honours). */
export function imageConfig(rt: ResolvedRuntime): Record<string, unknown> {
  const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...rt.env }
  return {
    User: `${rt.user.uid}:${rt.user.gid}`,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Entrypoint: rt.entrypoint,
    ...(rt.cmd.length ? { Cmd: rt.cmd } : {}),
    WorkingDir: rt.workdir,
    ...(rt.ports.length
      ? { ExposedPorts: Object.fromEntries(rt.ports.map((p) => [`${p.port}/${p.protocol}`, {}])) }
      : {}),
    ...(rt.volumes.length ? { Volumes: Object.fromEntries(rt.volumes.map((v) => [v, {}])) } : {}),
    ...(rt.stopSignal ? { StopSignal: rt.stopSignal } : {}),
    Labels: rt.labels,
    ...(rt.healthcheck
      ? {
          Healthcheck: {
            Test: ['CMD', ...rt.healthcheck.test],
            Interval: durationNs(rt.healthcheck.interval),
            Timeout: durationNs(rt.healthcheck.timeout),
            StartPeriod: durationNs(rt.healthcheck.startPeriod),
            Retries: rt.healthcheck.retries,
          },
        }
      : {}),
  }
}

/** Owner of a path in an app layer: the runtime user for volumes and writable paths (and what is below them), root otherwise. */
export function ownerOf(
  writable: string[],
  rt: { user: { uid: number; gid: number }; volumes: string[] },
): (path: string) => [number, number] {
  const roots = [...writable, ...rt.volumes].map((w) => w.replace(/^\/+|\/+$/g, ''))
  return (path) =>
    roots.some((r) => path === r || path.startsWith(`${r}/`)) ? [rt.user.uid, rt.user.gid] : [0, 0]
}

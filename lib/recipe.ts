// The recipe API: what an `images/<name>/recipe.ts` default-exports. Pure data plus small builders;
// importing a recipe does no I/O. Field docs here are what recipe authors read in their editor.
import type { PinSpec } from './pin.ts'

/** Another image: its imported recipe (preferred, checked by the compiler) or its name. */
export type ImageRef = Recipe | string

/** One build step. Commands are argv arrays, never shell strings. */
export type Step =
  | {
      run: string[]
      /** Why this step needs network (default: none). */
      network?: string
    }
  | { copy: { from?: string | ImageRef; src: string[]; dest: string; chown?: string } }
  | { workdir: string }
  | { env: Record<string, string> }

/** A build stage: runs steps on a base image with the pinned sources available. */
export interface Stage {
  /** Stage name, used by `final.copy[].from` and closures. @example 'build' */
  name: string
  /** Base image of the stage. @example from: toolchain */
  from: ImageRef
  /**
   * Pins whose files are copied into the stage at `/src/<pin>/<file>` and re-checked by sha256.
   * @example sources: ['redis']
   */
  sources?: string[]
  /** Steps run in order. @example steps: [run('make', '-C', '/src/redis', 'BUILD_TLS=yes')] */
  steps: Step[]
}

/** A copy into the final root filesystem. */
export interface FinalCopy {
  /** A stage name or another image. @example 'build' */
  from: string | ImageRef
  /** Path in the source. @example '/out/redis-server' */
  src: string
  /** Path in the final image. @example '/usr/bin/redis-server' */
  dest: string
}

/** The final root filesystem: FROM scratch or an image (normally base/runtime), plus copies. */
export interface Final {
  /** `'scratch'` or a base image. @example from: runtime */
  from: ImageRef | 'scratch'
  /** Files copied from stages or images. */
  copy?: FinalCopy[]
  /**
   * Binaries in a stage whose ELF closure (the binary, every DT_NEEDED library, recursively, and the
   * dynamic loader) is copied into the final root at the same paths. No hand-written .so lists.
   * @example closure: { from: 'build', binaries: ['/usr/local/bin/redis-server'] }
   */
  closure?: { from: string; binaries: string[] }
  /** Paths created empty and owned by the runtime user (volumes get this automatically). @example ['/run/app'] */
  writable?: string[]
}

/** A port the image listens on. */
export interface Port {
  /** @example 6379 */
  port: number
  /** @default 'tcp' */
  protocol?: 'tcp' | 'udp'
  /** What the port is for. @example 'redis' */
  name?: string
}

/** A probe run by the static healthcheck helper inside the container (no shell needed). */
export type Probe =
  | {
      kind: 'http'
      port: number
      path: string
      /** Accepted status range. @default [200, 399] */
      status?: [number, number]
      tls?: boolean
    }
  | { kind: 'tcp'; port: number }
  | {
      kind: 'expect'
      port: number
      /** Sent first (escapes: \r \n). */
      send: string
      /** Expected in the reply. */
      expect: string
    }
  | { kind: 'exec'; argv: string[] }

export interface Healthcheck {
  probe: Probe
  /** @default '10s' */ interval?: string
  /** @default '3s' */ timeout?: string
  /** @default '5s' */ startPeriod?: string
  /** @default 3 */ retries?: number
}

/** Where Prometheus scrapes the image, natively or through an exporter image beside it. */
export interface Metrics {
  /** @example 9121 */
  port: number
  /** @default '/metrics' */
  path?: string
  /** An exporter image started beside this one, when the app has no native endpoint. @example 'redis-exporter' */
  exporter?: ImageRef
}

/** How the image runs: the runtime contract. */
export interface Runtime {
  /**
   * Numeric user; defaults to the site's uid (config `runtime.uid`, 65532). Root needs `allowRoot`.
   * @example user: { uid: 65532, gid: 65532 }
   */
  user?: { uid: number; gid: number }
  /** @example '/data' */
  workdir?: string
  /** @example env: { TZ: 'UTC' } */
  env?: Record<string, string>
  /** The binary. @example ['/usr/bin/redis-server'] */
  entrypoint: string[]
  /** Its default arguments. @example ['--protected-mode', 'no'] */
  cmd?: string[]
  /** @example ports: [{ port: 6379, name: 'redis' }] */
  ports?: Port[]
  /** Writable paths kept as volumes. @example ['/data'] */
  volumes?: string[]
  /** Writable scratch paths users should mount as tmpfs. @example ['/tmp'] */
  tmpfs?: string[]
  /** @example 'SIGTERM' */
  stopSignal?: string
  /** Seconds the app needs to stop cleanly. @default 10 */
  stopTimeout?: number
  /**
   * Exit codes that mean a clean stop besides 0 and 128+signal. A Go program with no handler for
   * the stop signal exits 2 when it runs as PID 1 (the kernel ignores the re-raised signal).
   * @example stopExitCodes: [2]
   */
  stopExitCodes?: number[]
  /** @example healthcheck: { probe: tcp(6379) } */
  healthcheck?: Healthcheck
  /** @example metrics: { port: 9121, exporter: redisExporter } */
  metrics?: Metrics
  /** Extra labels (org.opencontainers.image.* are added from the lock and git). */
  labels?: Record<string, string>
}

/** Reasons for departing from the runtime contract. Each must say why. */
export interface Exemptions {
  /** Run as root. @example 'binds port 53 and drops privileges itself' */
  root?: string
  /** Ship a shell. @example 'the app execs /bin/sh for hooks' */
  shell?: string
  /** No healthcheck. */
  healthcheck?: string
  /** No metrics endpoint. */
  metrics?: string
  /** setuid/setgid files. */
  setuid?: string
  /** Ship a package manager (apt, dpkg, apk). @example 'a debugging image' */
  packageManager?: string
}

export interface Recipe {
  /** Image name: lowercase letters, digits, `-`. @example 'redis' */
  name: string
  /**
   * Version tag; a function of the lock lets it follow a pin.
   * @example version: (lock) => upstream(lock.pins.redis)
   */
  version: string | ((lock: { pins: Record<string, import('./pin.ts').LockedPin> }) => string)
  /** One line on what the image is. */
  description: string
  /** Bases are intermediate: built and kept locally, not pushed. @default 'image' */
  kind?: 'image' | 'base'
  /** Every input, declared once; lock.json holds the resolved versions and hashes. */
  pins: Record<string, PinSpec>
  /** Build stages, in order. */
  stages: Stage[]
  /** The final root filesystem. Omit for a base made directly from a pin (debian-system, url tarball). */
  final?: Final
  /**
   * A root filesystem made from a pinned tarball or Debian system, with no build steps
   * (base/debian, base/alpine). @example rootfs: 'system'
   */
  rootfs?: string
  runtime: Runtime
  exemptions?: Exemptions
  /** Marks the image as deprecated; build warns loudly. @example 'use valkey instead' */
  deprecated?: string
}

/** Define an image; returns the recipe unchanged (gives types and editor docs). */
export function image(recipe: Recipe): Recipe {
  return recipe
}

/** A build step running argv with no network. @example run('make', '-j2') */
export function run(...argv: string[]): Step {
  return { run: argv }
}

/** A step that needs the network, with the reason (policy flags it). */
export function runWithNetwork(reason: string, ...argv: string[]): Step {
  return { run: argv, network: reason }
}

/** Healthcheck probes. @example healthcheck: http({ port: 8080, path: '/healthz' }) */
export function http(
  opts: { port: number; path?: string; status?: [number, number] } & Omit<Healthcheck, 'probe'>,
): Healthcheck {
  const { port, path = '/', status, ...timing } = opts
  return { probe: { kind: 'http', port, path, ...(status ? { status } : {}) }, ...timing }
}
export function tcp(port: number, timing: Omit<Healthcheck, 'probe'> = {}): Healthcheck {
  return { probe: { kind: 'tcp', port }, ...timing }
}
/** @example expect(6379, 'PING\r\n', '+PONG') */
export function expect(
  port: number,
  send: string,
  expected: string,
  timing: Omit<Healthcheck, 'probe'> = {},
): Healthcheck {
  return { probe: { kind: 'expect', port, send, expect: expected }, ...timing }
}
export function exec(argv: string[], timing: Omit<Healthcheck, 'probe'> = {}): Healthcheck {
  return { probe: { kind: 'exec', argv }, ...timing }
}

/** The name of an image reference. */
export function refName(ref: ImageRef): string {
  return typeof ref === 'string' ? ref : ref.name
}

/** The upstream part of a Debian version (`7.0.15-1~deb12u7` -> `7.0.15`, `2:1.2-3` -> `1.2`). */
export function upstream(version: string): string {
  const noEpoch = version.includes(':') ? version.slice(version.indexOf(':') + 1) : version
  const dash = noEpoch.lastIndexOf('-')
  const up = dash > 0 ? noEpoch.slice(0, dash) : noEpoch
  return up.replace(/[+~](dfsg|ds|repack)\d*$/, '')
}

// Test support for refresh sources: a 127.0.0.1 fixture server whose files tests can re-publish, and a
// RefreshContext over a temp store. Used only by *.test.ts files.
import { mkdtempSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../config.ts'
import type { LockedPin, PinSpec } from '../pin.ts'
import { Store } from '../store.ts'
import type { RefreshContext } from './context.ts'

export interface Fixture {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** Publish (or replace) a file. */
  set(path: string, body: string | Uint8Array, headers?: Record<string, string>): void
  /** Remove a file (then 404). */
  drop(path: string): void
  /** Paths requested so far, in order (with query strings). */
  requests: { method: string; path: string; headers: IncomingMessage['headers'] }[]
  close(): Promise<void>
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => boolean

/** Serve fixed files on 127.0.0.1; `handler` may answer first (return true when it did). */
export async function serveFixture(handler?: Handler): Promise<Fixture> {
  const files = new Map<string, { body: Uint8Array; headers: Record<string, string> }>()
  const requests: Fixture['requests'] = []
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers })
    if (handler?.(req, res)) return
    const path = (req.url ?? '/').split('?')[0]!
    const f = files.get(path)
    if (!f) {
      res.writeHead(404).end('not found')
      return
    }
    res.writeHead(200, { 'content-length': String(f.body.length), ...f.headers })
    res.end(req.method === 'HEAD' ? undefined : f.body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    set: (path, body, headers = {}) =>
      void files.set(path, {
        body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
        headers,
      }),
    drop: (path) => void files.delete(path),
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

/** A complete Config as config/defaults.cue gives it, with overrides (no CUE evaluation). */
export function testConfig(over: Partial<Config> = {}): Config {
  return {
    registries: [{ host: '127.0.0.1:5000', namespace: 'atelier', insecure: true, bootstrap: true }],
    registry: {
      port: 5000,
      container: 'atelier-registry',
      volume: 'atelier-registry-data',
      htpasswd: '',
      tlsCert: '',
      tlsKey: '',
    },
    debian: {
      mirror: 'http://deb.debian.org/debian',
      securityMirror: 'http://deb.debian.org/debian-security',
      suite: 'bookworm',
      components: ['main'],
    },
    alpine: { mirror: 'https://dl-cdn.alpinelinux.org/alpine', branch: 'v3.20' },
    github: { api: 'https://api.github.com' },
    npm: { registry: 'https://registry.npmjs.org' },
    platforms: ['linux/amd64'],
    engines: [{ kind: 'docker', host: '' }],
    concurrency: 2,
    runtime: { uid: 65532, gid: 65532 },
    labels: { vendor: 'atelier', source: 'https://example.invalid/atelier' },
    buildDir: 'build',
    storeDir: '.atelier/store',
    refresh: { concurrency: 8, maxAgeDays: 365, rewrite: {} },
    ...over,
  }
}

/** A RefreshContext over a fresh temp store; `notes` and `staged` collect what resolvers attach. */
export function testContext(
  opts: { config?: Config; current?: LockedPin; spec?: PinSpec; root?: string } = {},
): RefreshContext & { notes: string[]; staged: Map<string, Uint8Array> } {
  const root = opts.root ?? mkdtempSync(join(tmpdir(), 'atelier-refresh-'))
  const notes: string[] = []
  const staged = new Map<string, Uint8Array>()
  return {
    config: opts.config ?? testConfig(),
    root,
    store: new Store(join(root, '.atelier/store')),
    ...(opts.current ? { current: opts.current } : {}),
    image: 'test',
    dir: 'images/test',
    pin: 'src',
    spec: opts.spec ?? { kind: 'url' },
    acceptChanged: false,
    note: (t) => void notes.push(t),
    stageFile: (p, d) => void staged.set(p, d),
    notes,
    staged,
  }
}

// A real CNCF Distribution registry (`/usr/bin/docker-registry`) for tests: loopback only, a free port,
// filesystem storage in a temp dir, optional htpasswd auth; stop/restart keep the data and the port.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import bcrypt from 'bcryptjs'
import type { RegistryConfig } from '../config.ts'

export const REGISTRY_BIN = '/usr/bin/docker-registry'

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string
  port: number
  /** Temp dir holding config.yml, htpasswd and data/. */
  dir: string
  /** A RegistryConfig pointing at it (insecure, no namespace). */
  config: RegistryConfig
  stop(): Promise<void>
  /** Starts again on the same port with the same data. */
  restart(): Promise<void>
  /** Stops and deletes the data. */
  dispose(): Promise<void>
  /** The registry's own log (stderr), for failing tests. */
  log(): string
}

export interface TestRegistryOptions {
  /** Turns on `auth: htpasswd` with this one user (bcrypt, as Distribution requires). */
  htpasswd?: { username: string; password: string }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

function configYaml(dir: string, port: number, htpasswd: boolean): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: atelier-test-secret',
    ...(htpasswd
      ? ['auth:', '  htpasswd:', '    realm: atelier-test', `    path: ${join(dir, 'htpasswd')}`]
      : []),
    '',
  ].join('\n')
}

/** Starts a registry and waits until `/v2/` answers. Call `dispose()` when done. */
export async function startRegistry(opts: TestRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-registry-'))
  const port = await freePort()
  if (opts.htpasswd) {
    // bcrypt cost 5: the lowest Distribution accepts is 4; tests need speed, not strength.
    const hash = bcrypt.hashSync(opts.htpasswd.password, 5)
    await writeFile(join(dir, 'htpasswd'), `${opts.htpasswd.username}:${hash}\n`)
  }
  await writeFile(join(dir, 'config.yml'), configYaml(dir, port, !!opts.htpasswd))
  const host = `127.0.0.1:${port}`
  let child: ChildProcess | undefined
  let logText = ''

  const start = async () => {
    const proc = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = proc
    const append = (d: Buffer) => {
      logText = (logText + d.toString()).slice(-20_000)
    }
    proc.stdout?.on('data', append)
    proc.stderr?.on('data', append)
    let exited = false
    proc.once('exit', () => {
      exited = true
    })
    for (let i = 0; i < 200; i++) {
      if (exited) throw new Error(`docker-registry exited at start:\n${logText}`)
      try {
        const res = await fetch(`http://${host}/v2/`)
        await res.arrayBuffer()
        if (res.status === 200 || res.status === 401) return
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 25))
    }
    throw new Error(`docker-registry did not answer on ${host}:\n${logText}`)
  }

  const stop = async () => {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const gone = new Promise((r) => proc.once('exit', r))
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000)
    await gone
    clearTimeout(timer)
  }

  await start()
  return {
    host,
    port,
    dir,
    config: { host, namespace: '', insecure: true, bootstrap: false },
    stop,
    restart: async () => {
      await stop()
      await start()
    },
    dispose: async () => {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
    log: () => logText,
  }
}

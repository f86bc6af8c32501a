// The healthcheck helper, compiled on the host with the recipe's own musl-gcc command and run against
// real sockets: HTTP status ranges and timeouts, TCP connect, send/expect, exec, and its one-line errors.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createTcpServer, type Server as NetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import recipe from './recipe.ts'

const SRC = join(import.meta.dirname, 'files/healthcheck.c')
let dir = ''
let bin = ''

interface Result {
  code: number
  stdout: string
  stderr: string
}

function sh(file: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

/** The recipe's build steps, with the in-image paths mapped to the temp dir. */
function recipeCommands(): string[][] {
  const steps = recipe.stages[0]!.steps
  return steps.flatMap((s) =>
    'run' in s ? [s.run.map((a) => (a === '/healthcheck' ? bin : a === '/src/healthcheck.c' ? SRC : a))] : [],
  )
}

function listen<S extends Server | NetServer>(server: S, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => {
      const a = server.address()
      resolve(typeof a === 'object' && a ? a.port : 0)
    })
  })
}

/** A port nothing listens on: bind, read the port, close. */
async function closedPort(): Promise<number> {
  const s = createTcpServer()
  const port = await listen(s)
  await new Promise((r) => s.close(r))
  return port
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'healthcheck-'))
  bin = join(dir, 'healthcheck')
  for (const argv of recipeCommands()) {
    const r = await sh(argv[0]!, argv.slice(1))
    expect(r.stderr, argv.join(' ')).toBe('')
    expect(r.code).toBe(0)
  }
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the binary', () => {
  it('is static and under 100 KB', async () => {
    const { size } = await stat(bin)
    expect(size).toBeLessThan(100 * 1024)
    // ELF64: no PT_INTERP program header means no dynamic loader is needed.
    const elf = await readFile(bin)
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF')
    const phoff = Number(elf.readBigUInt64LE(0x20))
    const phentsize = elf.readUInt16LE(0x36)
    const phnum = elf.readUInt16LE(0x38)
    const types = Array.from({ length: phnum }, (_, i) => elf.readUInt32LE(phoff + i * phentsize))
    expect(types).toContain(1) // PT_LOAD
    expect(types).not.toContain(3) // PT_INTERP
  })

  it('rejects unknown probes and https with one line', async () => {
    const r = await sh(bin, ['ftp', '127.0.0.1:21'])
    expect(r).toMatchObject({
      code: 1,
      stderr: 'healthcheck: unknown probe "ftp" (http, tcp, expect, exec)\n',
    })
    const s = await sh(bin, ['https', '127.0.0.1:8443', '/'])
    expect(s.code).toBe(1)
    expect(s.stderr).toMatch(/^healthcheck: https 127\.0\.0\.1:8443\/: https is not supported[^\n]*\n$/)
  })
})

describe('http', () => {
  let server: Server
  let port = 0
  let seen: { host?: string; connection?: string; version?: string } = {}
  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      seen = { host: req.headers.host, connection: req.headers.connection, version: req.httpVersion }
      if (req.url === '/healthz') return void res.end('ok')
      if (req.url === '/down') {
        res.statusCode = 503
        return void res.end('down')
      }
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 3000)
      res.statusCode = 404
      res.end()
    })
    port = await listen(server)
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })

  it('passes on 200 and sends Host and Connection: close', async () => {
    const r = await sh(bin, ['http', `127.0.0.1:${port}`, '/healthz', '200-399'])
    expect(r).toEqual({
      code: 0,
      stdout: `healthcheck: http 127.0.0.1:${port}/healthz: status 200\n`,
      stderr: '',
    })
    expect(seen).toEqual({ host: `127.0.0.1:${port}`, connection: 'close', version: '1.0' })
  })

  it('fails on a status outside the range, with exactly one line', async () => {
    const r = await sh(bin, ['http', `127.0.0.1:${port}`, '/down', '200-399'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`healthcheck: http 127.0.0.1:${port}/down: status 503 not in 200-399\n`)
    // A custom range accepts it.
    expect((await sh(bin, ['http', `127.0.0.1:${port}`, '/down', '500-599'])).code).toBe(0)
  })

  it('gives up at the deadline on a slow server', async () => {
    const t0 = Date.now()
    const r = await sh(bin, ['http', `127.0.0.1:${port}`, '/slow'], { HEALTHCHECK_TIMEOUT: '1' })
    expect(Date.now() - t0).toBeLessThan(2500)
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`healthcheck: http 127.0.0.1:${port}/slow: no reply: timed out after 0 bytes\n`)
  })

  it('reports a refused connection', async () => {
    const p = await closedPort()
    const r = await sh(bin, ['http', `127.0.0.1:${p}`, '/'])
    expect(r.stderr).toBe(`healthcheck: http 127.0.0.1:${p}/: connect: Connection refused\n`)
    expect(r.code).toBe(1)
  })

  it('speaks to IPv6 literals', async () => {
    const s6 = createHttpServer((_req, res) => res.end('ok'))
    let p6: number
    try {
      p6 = await listen(s6, '::1')
    } catch {
      return // no IPv6 loopback on this host: nothing to test against
    }
    try {
      const r = await sh(bin, ['http', `[::1]:${p6}`, '/'])
      expect(r.code).toBe(0)
      expect((await sh(bin, ['http', `::1:${p6}`, '/'])).stderr).toContain('write IPv6 as [ADDR]:PORT')
    } finally {
      s6.close()
    }
  })
})

describe('tcp and expect', () => {
  let server: NetServer
  let port = 0
  beforeAll(async () => {
    // A tiny line protocol: PING -> +PONG, anything else -> -ERR, then close.
    server = createTcpServer((sock) => {
      let buf = ''
      sock.on('data', (d) => {
        buf += d.toString('latin1')
        if (!buf.includes('\r\n')) return
        sock.end(buf.startsWith('PING\r\n') ? '+PONG\r\n' : '-ERR unknown\r\n')
      })
      sock.on('error', () => {})
    })
    port = await listen(server)
  })
  afterAll(() => {
    server.close()
  })

  it('tcp: connects, and fails on a closed port', async () => {
    expect((await sh(bin, ['tcp', `127.0.0.1:${port}`])).code).toBe(0)
    const p = await closedPort()
    const r = await sh(bin, ['tcp', `127.0.0.1:${p}`])
    expect(r).toMatchObject({
      code: 1,
      stderr: `healthcheck: tcp 127.0.0.1:${p}: connect: Connection refused\n`,
    })
  })

  it('expect: PING -> +PONG, with escaped or real CR LF', async () => {
    expect((await sh(bin, ['expect', `127.0.0.1:${port}`, 'PING\\r\\n', '+PONG'])).code).toBe(0)
    expect((await sh(bin, ['expect', `127.0.0.1:${port}`, 'PING\r\n', '+PONG'])).code).toBe(0)
  })

  it('expect: names what came back when it does not match', async () => {
    const r = await sh(bin, ['expect', `127.0.0.1:${port}`, 'PONG\\r\\n', '+PONG'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      `healthcheck: expect 127.0.0.1:${port}: reply "-ERR unknown.." does not contain "+PONG" (connection closed)\n`,
    )
  })
})

describe('exec', () => {
  it('passes on exit 0 and fails on non-zero', async () => {
    expect((await sh(bin, ['exec', '/bin/true'])).code).toBe(0)
    const r = await sh(bin, ['exec', '/bin/false'])
    expect(r).toMatchObject({ code: 1, stderr: 'healthcheck: exec /bin/false: exited with 1\n' })
  })

  it('kills a probe that outlives the deadline, and explains a missing binary', async () => {
    const r = await sh(bin, ['exec', '/bin/sleep', '10'], { HEALTHCHECK_TIMEOUT: '1' })
    expect(r).toMatchObject({ code: 1, stderr: 'healthcheck: exec /bin/sleep: timed out; killed\n' })
    const m = await sh(bin, ['exec', '/nonexistent/probe'])
    expect(m).toMatchObject({
      code: 1,
      stderr: 'healthcheck: exec /nonexistent/probe: No such file or directory\n',
    })
  })
})

// Small clients for image tests (images/*/test.ts): an HTTP GET with a deadline and a raw TCP
// request/response exchange (e.g. Redis RESP), so tests need no extra dependencies.
import { connect } from 'node:net'

export async function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  return { status: res.status, body: await res.text() }
}

/** GET that must answer `status` (default 200) and whose body must match `pattern`. */
export async function expectHttp(url: string, pattern: RegExp, status = 200): Promise<string> {
  const { status: got, body } = await httpGet(url)
  if (got !== status) throw new Error(`GET ${url}: status ${got}, expected ${status}: ${body.slice(0, 200)}`)
  if (!pattern.test(body))
    throw new Error(`GET ${url}: body does not match ${pattern}: ${body.slice(0, 200)}`)
  return body
}

/** Send `data`, read until `done(reply)` says the reply is complete or the deadline passes. */
export function tcpExchange(
  host: string,
  port: number,
  data: string,
  done: (reply: string) => boolean,
  timeoutMs = 5000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port })
    let reply = ''
    const timer = setTimeout(() => {
      sock.destroy()
      reject(
        new Error(`${host}:${port}: no complete reply within ${timeoutMs} ms (got ${JSON.stringify(reply)})`),
      )
    }, timeoutMs)
    sock.on('connect', () => sock.write(data))
    sock.on('data', (b) => {
      reply += b.toString('utf8')
      if (done(reply)) {
        clearTimeout(timer)
        sock.end()
        resolve(reply)
      }
    })
    sock.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
  })
}

/** A Redis command in RESP. */
export function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`
}

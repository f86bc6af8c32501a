// redis: SET then GET over RESP, and the compiled server carries its hardening flags.
import { assertHardened, imageBinaryHardening } from '../../lib/hardening.ts'
import type { TestContext } from '../../lib/imagetest.ts'
import { resp, tcpExchange } from '../../lib/probe.ts'

export default async function test(ctx: TestContext): Promise<void> {
  const port = ctx.ports[6379]!
  const value = `atelier-${Date.now()}`
  const reply = await tcpExchange(
    ctx.host,
    port,
    resp('SET', 'k', value) + resp('GET', 'k'),
    (r) => r.includes(`${value}\r\n`) || r.startsWith('-'),
  )
  if (!reply.startsWith('+OK\r\n')) throw new Error(`SET answered ${JSON.stringify(reply)}`)
  assertHardened(
    '/usr/local/bin/redis-server',
    await imageBinaryHardening(ctx.docker, ctx.ref, '/usr/local/bin/redis-server'),
  )
}

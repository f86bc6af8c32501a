// haproxy: answers on :8080, its built-in exporter serves haproxy_* metrics, hardened binary.
import { assertHardened, imageBinaryHardening } from '../../lib/hardening.ts'
import type { TestContext } from '../../lib/imagetest.ts'
import { expectHttp } from '../../lib/probe.ts'

export default async function test(ctx: TestContext): Promise<void> {
  await expectHttp(`http://${ctx.host}:${ctx.ports[8080]}/`, /It works/)
  await expectHttp(`http://${ctx.host}:${ctx.ports[8405]}/metrics`, /^haproxy_process_/m)
  assertHardened('/usr/sbin/haproxy', await imageBinaryHardening(ctx.docker, ctx.ref, '/usr/sbin/haproxy'))
}

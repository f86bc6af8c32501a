// nginx: serves its page on :8080, stub_status on :8081, and the binary carries its hardening flags.
import { assertHardened, imageBinaryHardening } from '../../lib/hardening.ts'
import type { TestContext } from '../../lib/imagetest.ts'
import { expectHttp } from '../../lib/probe.ts'

export default async function test(ctx: TestContext): Promise<void> {
  await expectHttp(`http://${ctx.host}:${ctx.ports[8080]}/`, /It works/)
  await expectHttp(`http://${ctx.host}:${ctx.ports[8081]}/stub_status`, /Active connections: \d+/)
  assertHardened('/usr/sbin/nginx', await imageBinaryHardening(ctx.docker, ctx.ref, '/usr/sbin/nginx'))
}

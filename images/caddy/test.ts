// caddy: serves the static site on :8080 and its metrics on :9180.
import type { TestContext } from '../../lib/imagetest.ts'
import { expectHttp } from '../../lib/probe.ts'

export default async function test(ctx: TestContext): Promise<void> {
  await expectHttp(`http://${ctx.host}:${ctx.ports[8080]}/`, /It works/)
  await expectHttp(`http://${ctx.host}:${ctx.ports[9180]}/metrics`, /^caddy_/m)
}

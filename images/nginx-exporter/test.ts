// nginx-exporter: serves its metrics, reporting nginx_up (0 with no nginx beside it).
import type { TestContext } from '../../lib/imagetest.ts'
import { expectHttp } from '../../lib/probe.ts'

export default async function test(ctx: TestContext): Promise<void> {
  await expectHttp(`http://${ctx.host}:${ctx.ports[9113]}/metrics`, /^nginx_up [01]$/m)
}

// redis-exporter: serves its metrics, reporting redis_up (0 with no redis beside it).
import type { TestContext } from '../../lib/imagetest.ts'
import { expectHttp } from '../../lib/probe.ts'

export default async function test(ctx: TestContext): Promise<void> {
  await expectHttp(`http://${ctx.host}:${ctx.ports[9121]}/metrics`, /^redis_up [01]$/m)
}

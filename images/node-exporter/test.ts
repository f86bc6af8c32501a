// node-exporter: machine metrics (read-only /proc and /sys are enough).
import type { TestContext } from '../../lib/imagetest.ts'
import { expectHttp } from '../../lib/probe.ts'

export default async function test(ctx: TestContext): Promise<void> {
  await expectHttp(`http://${ctx.host}:${ctx.ports[9100]}/metrics`, /^node_cpu_seconds_total\{/m)
}

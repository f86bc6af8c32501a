// prometheus: the query API answers and it scrapes itself (`up` has a sample).
import type { TestContext } from '../../lib/imagetest.ts'
import { expectHttp } from '../../lib/probe.ts'

export default async function test(ctx: TestContext): Promise<void> {
  await expectHttp(`http://${ctx.host}:${ctx.ports[9090]}/api/v1/status/buildinfo`, /"status":"success"/)
  const deadline = Date.now() + 30_000
  for (;;) {
    const body = await expectHttp(
      `http://${ctx.host}:${ctx.ports[9090]}/api/v1/query?query=up`,
      /"status":"success"/,
    )
    if (/"job":"prometheus"/.test(body)) return
    if (Date.now() > deadline) throw new Error(`prometheus never scraped itself: ${body}`)
    await new Promise((r) => setTimeout(r, 1000))
  }
}

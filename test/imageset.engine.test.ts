// The whole image set from a cold start (what `pnpm build && pnpm test:images` does for a user):
// every image builds, and every final image runs hardened, becomes healthy, serves metrics, passes
// its own test.ts, stops cleanly and keeps the structure rules. Also the size goal against Debian.
import { describe, expect, it } from 'vitest'
import { buildPaths, engineRefs, runBuild } from '../lib/build.ts'
import { DockerEngine } from '../lib/engine/docker.ts'
import { imagesUnderTest, resultsTable, testImages } from '../lib/imagetest.ts'
import { memoryLogger } from '../lib/log.ts'
import { readImage } from '../lib/oci/image.ts'
import { openRepo } from '../lib/repo.ts'
import { ROOT } from './repo.ts'

describe('the image set', () => {
  it('builds every image and each keeps the runtime contract when run', async () => {
    const repo = await openRepo(ROOT)
    const log = memoryLogger()
    const code = await runBuild(repo, Object.keys(repo.plans), {
      force: false,
      push: false,
      restartRegistry: false,
      json: false,
      quiet: true,
      logger: log,
    })
    expect(
      code,
      JSON.stringify(
        log.events.filter((e) => e.kind === 'failed'),
        null,
        2,
      ),
    ).toBe(0)

    const finals = Object.keys(repo.plans).filter((n) => repo.plans[n]!.plan.kind !== 'base')
    expect(finals.length).toBeGreaterThanOrEqual(9)
    const engine = new DockerEngine()
    const paths = buildPaths(repo)
    for (const n of finals)
      if (!(await engine.has(repo.plans[n]!.ref)))
        await engine.load(paths.layout(n), engineRefs(repo.plans[n]!))
    const { images, missing } = await imagesUnderTest(repo, finals)
    expect(missing).toEqual([])
    const results = await testImages(images)
    const table = resultsTable(results)
    expect(
      results.filter((r) => !r.ok).map((r) => r.image),
      table,
    ).toEqual([])

    // Minimal: redis (compressed) is a small fraction of the 295 MB conventional Debian + apt-get image.
    const redis = await readImage(paths.layout('redis'))
    const compressed = redis.layers.reduce((n, l) => n + l.size, 0)
    expect(compressed).toBeLessThan(295e6 / 10)
  })
})

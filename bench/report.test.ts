import { describe, expect, it } from 'vitest'
import type { BaselineResult } from './baseline.ts'
import type { InProcess } from './noop.ts'
import { coldTable, noopTables, summarizeNoop } from './report.ts'

const inProcess: InProcess = {
  allMs: 100,
  allImages: 13,
  oneMs: 60,
  oneImages: ['debian', 'toolchain', 'healthcheck', 'runtime', 'redis'],
  openRepoMs: 20,
  perImageMs: 5,
  registryHeadMs: 4,
  samples: { all: [100], one: [60] },
}
const cli = {
  node: { noopMs: 1000, startMs: 600, samples: [1000] },
  deno: { noopMs: 400, startMs: 100, samples: [400] },
}
const docker: BaselineResult = {
  images: ['redis'],
  pushed: 9,
  totalMs: 2200,
  perImageMs: 200,
  samples: [2200],
  byImage: {},
}

describe('summarizeNoop', () => {
  it("puts docker's time over atelier's and checks the goals", () => {
    const s = summarizeNoop(inProcess, { ...inProcess, allMs: 50, perImageMs: 2 }, cli, docker)
    expect(s.ratio).toEqual({ inProcess: 22, inProcessDeno: 44, cliNode: 2.2, cliDeno: 5.5 })
    expect(s.perImageRatio).toBe(40)
    expect([s.marginalMs, s.marginalMsDeno]).toEqual([5, 2])
    // 5 ms is not under 5 ms: the verdict says so.
    expect(s.goals).toEqual({
      marginalUnder5ms: false,
      marginalUnder5msDeno: true,
      startShareNode: 0.6,
      startShareDeno: 0.25,
    })
    expect(noopTables(s)).toContain(
      'goal: marginal cost under 5 ms an image: Node MISSED (5.00 ms), Deno MET (2.00 ms)',
    )
    expect(noopTables(summarizeNoop({ ...inProcess, perImageMs: 1.5 }, inProcess, cli, docker))).toContain(
      'MET (1.50 ms)',
    )
  })
})

describe('coldTable', () => {
  it('says how to get times when there are none, and shows the floor when there are', () => {
    expect(coldTable(undefined)).toMatch(/pnpm bench --cold/)
    const t = coldTable({
      source: 'measured',
      images: ['debian', 'redis'],
      concurrency: 2,
      parallelSeconds: 50,
      sequentialSeconds: 80,
      criticalPathSeconds: 40,
      criticalPath: ['debian', 'redis'],
      speedup: 1.6,
      overFloor: 1.25,
      perImageSeconds: { debian: 30, redis: 10 },
      engineCache: true,
    })
    expect(t).toMatch(/critical path \(debian > redis\)\s+40\.0 s\s+0\.8x/)
    expect(t).toContain('parallel is 1.3x the floor')
  })
})

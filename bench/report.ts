// What `pnpm bench` prints: one table per section with ratios against the conventional way, and the
// verdict on the no-op goals. Pure: takes the measured results, returns text.
import type { BaselineResult } from './baseline.ts'
import type { ColdResult } from './cold.ts'
import type { Cli as CliRuntime, InProcess } from './noop.ts'
import type { PushResult } from './push.ts'
import type { SizeRow } from './readme.ts'
import type { RefreshResult } from './refresh.ts'
import { ratio } from './stats.ts'
import { formatTable, megabytes, ms, seconds, times } from './table.ts'

export const MARGINAL_GOAL_MS = 5

type Cli = { node: CliRuntime; deno: CliRuntime }

export interface NoopSummary {
  /** atelier's cost of one more image in a no-op build, in-process under Node (ms). */
  marginalMs: number
  /** The same under Deno. */
  marginalMsDeno: number
  /** docker build + push of the whole set, one after another, over atelier's whole-set no-op. */
  ratio: { inProcess: number; inProcessDeno: number; cliNode: number; cliDeno: number }
  /** docker's time per image over atelier's marginal cost per image. */
  perImageRatio: number
  goals: {
    marginalUnder5ms: boolean
    marginalUnder5msDeno: boolean
    startShareNode: number
    startShareDeno: number
  }
  atelier: {
    inProcess: InProcess
    inProcessDeno: InProcess
    cli: Cli
  }
  docker: BaselineResult
}

/** The no-op figures as the JSON keeps them: ratios are docker's time over atelier's. */
export function summarizeNoop(
  inProcess: InProcess,
  inProcessDeno: InProcess,
  cli: Cli,
  docker: BaselineResult,
): NoopSummary {
  return {
    marginalMs: inProcess.perImageMs,
    marginalMsDeno: inProcessDeno.perImageMs,
    ratio: {
      inProcess: ratio(docker.totalMs, inProcess.allMs),
      inProcessDeno: ratio(docker.totalMs, inProcessDeno.allMs),
      cliNode: ratio(docker.totalMs, cli.node.noopMs),
      cliDeno: ratio(docker.totalMs, cli.deno.noopMs),
    },
    perImageRatio: ratio(docker.perImageMs, Math.max(inProcess.perImageMs, 0.01)),
    goals: {
      marginalUnder5ms: inProcess.perImageMs < MARGINAL_GOAL_MS,
      marginalUnder5msDeno: inProcessDeno.perImageMs < MARGINAL_GOAL_MS,
      startShareNode: Math.round((cli.node.startMs / cli.node.noopMs) * 100) / 100,
      startShareDeno: Math.round((cli.deno.startMs / cli.deno.noopMs) * 100) / 100,
    },
    atelier: { inProcess, inProcessDeno, cli },
    docker,
  }
}

export function noopTables(n: NoopSummary): string {
  const d = n.docker
  const a = n.atelier
  const count = String(a.inProcess.allImages)
  const whole = formatTable(
    ['no-op build of the whole set', 'images', 'median', 'process start', 'docker / this'],
    [
      ['docker build + push, one after another', String(d.images.length), ms(d.totalMs), '-', '1.0x'],
      ['atelier runBuild in-process, Node', count, ms(a.inProcess.allMs), '-', times(n.ratio.inProcess)],
      [
        'atelier runBuild in-process, Deno',
        count,
        ms(a.inProcessDeno.allMs),
        '-',
        times(n.ratio.inProcessDeno),
      ],
      [
        'atelier CLI, Node (tsx hack/build.ts)',
        count,
        ms(a.cli.node.noopMs),
        ms(a.cli.node.startMs),
        times(n.ratio.cliNode),
      ],
      [
        'atelier CLI, Deno (deno run -A hack/build.ts)',
        count,
        ms(a.cli.deno.noopMs),
        ms(a.cli.deno.startMs),
        times(n.ratio.cliDeno),
      ],
    ],
  )
  const span = `all ${a.inProcess.allImages} vs ${a.inProcess.oneImages.length} for ${a.inProcess.oneImages.at(-1)}`
  const per = formatTable(
    ['cost of one more image', 'Node', 'Deno', 'docker / Node'],
    [
      ['docker build + push (whole sequence / images)', ms(d.perImageMs), '-', '1.0x'],
      [`atelier marginal (${span})`, ms(n.marginalMs), ms(n.marginalMsDeno), times(n.perImageRatio)],
      [
        'one registry HEAD, for scale (one per pushed image)',
        ms(a.inProcess.registryHeadMs),
        ms(a.inProcessDeno.registryHeadMs),
        '-',
      ],
      [
        'atelier openRepo (once per process)',
        ms(a.inProcess.openRepoMs),
        ms(a.inProcessDeno.openRepoMs),
        '-',
      ],
    ],
  )
  const met = (ok: boolean): string => (ok ? 'MET' : 'MISSED')
  const pct = (x: number): string => `${Math.round(x * 100)}%`
  const verdict = [
    `goal: marginal cost under ${MARGINAL_GOAL_MS} ms an image: Node ${met(n.goals.marginalUnder5ms)} (${ms(n.marginalMs)}), Deno ${met(n.goals.marginalUnder5msDeno)} (${ms(n.marginalMsDeno)})`,
    `goal: whole-set no-op dominated by process start: start-up is ${pct(n.goals.startShareNode)} of the CLI run under Node, ${pct(n.goals.startShareDeno)} under Deno`,
  ]
  return [whole, '', per, '', ...verdict].join('\n')
}

export function coldTable(c: ColdResult | undefined): string {
  if (!c)
    return 'cold build: no per-image times yet (build/last-build.json is written by the next `pnpm build` that builds something; or run `pnpm bench --cold`)'
  const head = `cold build of ${c.images.length} image(s), ${c.source === 'measured' ? 'measured now' : `from the last build (${c.at})`}, engine cache ${c.engineCache ? 'on' : 'off'}`
  const t = formatTable(
    [head, 'seconds', 'vs parallel'],
    [
      [`atelier, concurrency ${c.concurrency}`, seconds(c.parallelSeconds), '1.0x'],
      [
        c.source === 'measured' ? 'the same builds, concurrency 1' : 'sum of per-image build times',
        seconds(c.sequentialSeconds),
        times(c.speedup),
      ],
      [
        `critical path (${c.criticalPath.join(' > ')})`,
        seconds(c.criticalPathSeconds),
        times(c.criticalPathSeconds / c.parallelSeconds),
      ],
    ],
  )
  return [t, `parallel is ${times(c.overFloor)} the floor${c.note ? `; note: ${c.note}` : ''}`].join('\n')
}

export function sizesTable(rows: SizeRow[]): string {
  return formatTable(
    [
      'image',
      'version',
      'payload',
      'compressed',
      'uncompressed',
      'image / payload',
      'conventional',
      'conventional / image',
    ],
    rows.map((r) => [
      r.image,
      r.version,
      megabytes(r.payload),
      megabytes(r.compressed),
      megabytes(r.uncompressed),
      times(r.uncompressed / r.payload),
      megabytes(r.conventional),
      r.conventional ? times(r.conventional / r.uncompressed) : '-',
    ]),
  )
}

export function pushTable(p: PushResult): string {
  return formatTable(
    ['push', 'blobs uploaded', 'blobs already there', 'requests', 'time'],
    [
      [
        `${p.unchanged.image} unchanged (${p.unchanged.repository})`,
        String(p.unchanged.blobsUploaded),
        String(p.unchanged.blobsSkipped),
        String(p.unchanged.requests),
        ms(p.unchanged.ms),
      ],
      [
        `all ${p.unchangedSet.images} images unchanged`,
        String(p.unchangedSet.blobsUploaded),
        String(p.unchangedSet.blobsSkipped),
        String(p.unchangedSet.requests),
        ms(p.unchangedSet.ms),
      ],
      [
        `${p.oneLayerChange.image} + one ${p.oneLayerChange.layerBytes}-byte layer (${p.oneLayerChange.repository})`,
        String(p.oneLayerChange.blobsUploaded),
        String(p.oneLayerChange.blobsSkipped),
        String(p.oneLayerChange.requests),
        ms(p.oneLayerChange.ms),
      ],
    ],
  )
}

export function refreshTable(r: RefreshResult): string {
  const row = (label: string, t: RefreshResult['asIs']): string[] => [
    label,
    seconds(t.ms / 1000),
    String(t.outOfDate.length),
    String(t.failed.length),
    t.outOfDate.join(' ') || '-',
  ]
  return formatTable(
    ['refresh --check of the whole set', 'time', 'out of date', 'failed', 'which'],
    [
      row('the repository as it is', r.asIs),
      row(`a copy with ${r.oneChange.edited} edited back`, r.oneChange),
    ],
  )
}

// `pnpm report`: one self-contained static HTML page (inline CSS and SVG, no scripts, no fetches) showing
// the image graph and, per image, its pins and their age, sizes, reproducibility, tests, SBOM and audit.
// Gathering reads result files (lib/status.ts); rendering is a pure function of the gathered data.
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { writeAtomic } from './lock.ts'
import type { LockedPin } from './pin.ts'
import type { Repo } from './repo.ts'
import {
  type AuditUpdate,
  type BuiltStatus,
  readAudit,
  readBench,
  readBuilt,
  readTestStatus,
  readVerifyStatus,
  type TestStatus,
  type VerifyStatus,
} from './status.ts'

export interface PinRow {
  name: string
  kind: LockedPin['kind']
  version: string
  /** Publication time (unix seconds). */
  date: number
  ageDays: number
  /** Older than `refresh.maxAgeDays`. */
  old: boolean
  /** Packages in a whole Debian system pin. */
  packages?: number
}

export interface ImageRow {
  name: string
  kind: 'image' | 'base'
  version: string
  description: string
  /** Folder in the repository, e.g. `images/redis`. */
  dir: string
  level: number
  deps: string[]
  /** Current cache key (from the plan). */
  key: string
  deprecated?: string
  pins: PinRow[]
  built?: BuiltStatus
  /** The conventional image's size from the bench, in bytes. */
  conventional?: number
  verify?: VerifyStatus
  test?: TestStatus
  /** Link to the SBOM relative to the report, when the image has one. */
  sbom?: string
  /** Newer packages in security/updates suites; undefined when the audit has not run. */
  updates?: AuditUpdate[]
  /** Result files that exist but could not be read. */
  problems: string[]
}

export interface ReportData {
  /** Unix seconds: ages are measured against it. */
  generatedAt: number
  framework: string
  maxAgeDays: number
  levels: string[][]
  images: ImageRow[]
  auditRan: boolean
  benchRan: boolean
}

export interface ReportOptions {
  /** Unix seconds (tests pass a fixed value). */
  now: number
  /** Defaults to `<root>/<config.buildDir>`. */
  buildDir?: string
  /** Where index.html goes; defaults to `<buildDir>/report`. */
  outDir?: string
  /** Gunzip layers to count uncompressed sizes (default true). */
  uncompressed?: boolean
}

const DAY = 86_400

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

function pinRows(pins: Record<string, LockedPin>, now: number, maxAgeDays: number): PinRow[] {
  return Object.keys(pins)
    .sort()
    .map((name) => {
      const p = pins[name]!
      const ageDays = Math.max(0, Math.floor((now - p.date) / DAY))
      return {
        name,
        kind: p.kind,
        version: p.version,
        date: p.date,
        ageDays,
        old: ageDays > maxAgeDays,
        ...(p.kind === 'debian-system' ? { packages: p.packages.length } : {}),
      }
    })
}

/** Read everything the report shows. Missing files are simply absent fields; unreadable ones are listed as problems. */
export async function gatherReport(repo: Repo, opts: ReportOptions): Promise<ReportData> {
  const buildDir = opts.buildDir ?? join(repo.root, repo.config.buildDir)
  const outDir = opts.outDir ?? join(buildDir, 'report')
  const maxAgeDays = repo.config.refresh?.maxAgeDays ?? 365
  const globalProblems: string[] = []
  const [audit, bench] = await Promise.all([
    readAudit(buildDir).catch((e: unknown) => void globalProblems.push(errorText(e))),
    readBench(repo.root).catch((e: unknown) => void globalProblems.push(errorText(e))),
  ])
  const level = new Map<string, number>()
  repo.levels.forEach((names, i) => {
    for (const n of names) level.set(n, i)
  })
  const sizes = new Map<string, Promise<number>>()
  const names = repo.levels.flat()
  const images = await Promise.all(
    names.map(async (name): Promise<ImageRow> => {
      const { plan, key } = repo.plans[name]!
      const img = repo.images[name]!
      const problems = [...globalProblems]
      const attempt = <T>(p: Promise<T>): Promise<T | undefined> =>
        p.catch((e: unknown) => {
          problems.push(errorText(e))
          return undefined
        })
      const [built, verify, test] = await Promise.all([
        attempt(readBuilt(buildDir, name, { uncompressed: opts.uncompressed ?? true, sizes })),
        attempt(readVerifyStatus(buildDir, name)),
        attempt(readTestStatus(buildDir, name)),
      ])
      const sbomPath = join(repo.root, img.dir, 'sbom.spdx.json')
      const conventional = bench?.sizes?.[name]?.conventional
      return {
        name,
        kind: plan.kind,
        version: plan.version,
        description: img.recipe.description,
        dir: img.dir,
        level: level.get(name) ?? 0,
        deps: [...(repo.deps[name] ?? [])].sort(),
        key,
        ...(plan.deprecated ? { deprecated: plan.deprecated } : {}),
        pins: pinRows(img.lock.pins, opts.now, maxAgeDays),
        ...(built ? { built } : {}),
        ...(conventional !== undefined ? { conventional } : {}),
        ...(verify ? { verify } : {}),
        ...(test ? { test } : {}),
        ...(existsSync(sbomPath) ? { sbom: relative(outDir, sbomPath).split(sep).join('/') } : {}),
        ...(audit?.images[name] ? { updates: audit.images[name].updates } : {}),
        problems: [...new Set(problems)],
      }
    }),
  )
  return {
    generatedAt: opts.now,
    framework: repo.framework,
    maxAgeDays,
    levels: repo.levels.map((l) => [...l]),
    images,
    auditRan: audit !== undefined,
    benchRan: bench !== undefined,
  }
}

/** Writes `<outDir>/index.html` and returns its path. */
export async function writeReport(
  repo: Repo,
  opts: ReportOptions,
): Promise<{ path: string; data: ReportData }> {
  const buildDir = opts.buildDir ?? join(repo.root, repo.config.buildDir)
  const outDir = opts.outDir ?? join(buildDir, 'report')
  const data = await gatherReport(repo, { ...opts, buildDir, outDir })
  await mkdir(outDir, { recursive: true })
  const path = join(outDir, 'index.html')
  await writeAtomic(path, renderReport(data))
  return { path, data }
}

// ---- rendering (pure) ----

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
const h = escapeHtml

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`
  return `${(n / 1e9).toFixed(2)} GB`
}

export function formatAge(days: number): string {
  if (days < 1) return 'today'
  if (days < 60) return `${days} d`
  if (days < 730) return `${Math.round(days / 30.44)} mo`
  return `${(days / 365.25).toFixed(1)} y`
}

function isoDay(epoch: number): string {
  return new Date(epoch * 1000).toISOString().slice(0, 10)
}

type BuildState = 'current' | 'outdated' | 'none'

function buildState(row: ImageRow): BuildState {
  if (!row.built) return 'none'
  return row.built.key === row.key ? 'current' : 'outdated'
}

/** Geometry of one node box, for the SVG and for tests. */
export interface NodeBox {
  name: string
  x: number
  y: number
  w: number
  h: number
}

/** One dependency drawn from `from`'s right side to `to`'s left side through `points`. */
export interface EdgeRoute {
  from: string
  to: string
  points: [number, number][]
}

export interface GraphLayout {
  boxes: Record<string, NodeBox>
  edges: EdgeRoute[]
  width: number
  height: number
}

const BOX_H = 40
const LANE_H = 6
const ROW_GAP = 12
const COL_GAP = 64
const MARGIN = 16
const CHAR_W = 7.6

/** A slot in a column: an image's box, or a lane carrying one image's edges across a column it skips. */
interface Slot {
  id: string
  lane: boolean
  /** Slots in the previous column this one is drawn from. */
  preds: string[]
}

const laneId = (source: string, column: number): string => `${source}@${column}`
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Lay the graph out: one column per level; an edge that skips columns runs through a lane (one per
 * source image and column, so edges from the same image share it) instead of across boxes. Each column
 * is ordered by the mean row of what it is drawn from (fewer crossings), ties by name. Small and
 * deterministic: a layout library would be a large dependency for one picture.
 */
export function layoutGraph(
  levels: string[][],
  deps: Record<string, string[]>,
  label: (name: string) => string[] = (n) => [n],
): GraphLayout {
  const levelOf = new Map<string, number>()
  levels.forEach((names, i) => {
    for (const n of names) levelOf.set(n, i)
  })
  const slots: Map<string, Slot>[] = levels.map(() => new Map())
  for (const [i, names] of levels.entries()) {
    for (const n of names) {
      const preds: string[] = []
      for (const d of deps[n] ?? []) {
        const ld = levelOf.get(d)
        if (ld === undefined || ld >= i) continue
        for (let k = ld + 1; k < i; k++) {
          const id = laneId(d, k)
          if (!slots[k]!.has(id))
            slots[k]!.set(id, { id, lane: true, preds: [k === ld + 1 ? d : laneId(d, k - 1)] })
        }
        preds.push(ld === i - 1 ? d : laneId(d, i - 1))
      }
      slots[i]!.set(n, { id: n, lane: false, preds })
    }
  }
  const rowOf = new Map<string, number>()
  const columns: Slot[][] = slots.map((col, i) => {
    const mean = (s: Slot): number => {
      const rows = s.preds.map((p) => rowOf.get(p)).filter((r): r is number => r !== undefined)
      return rows.length ? rows.reduce((a, r) => a + r, 0) / rows.length : 0
    }
    const sorted = [...col.values()].sort((a, b) => (i === 0 ? 0 : mean(a) - mean(b)) || byName(a.id, b.id))
    sorted.forEach((s, r) => {
      rowOf.set(s.id, r)
    })
    return sorted
  })
  const heightOf = (col: Slot[]): number =>
    col.reduce((n, s) => n + (s.lane ? LANE_H : BOX_H), 0) + Math.max(0, col.length - 1) * ROW_GAP
  const inner = Math.max(BOX_H, ...columns.map(heightOf))
  const height = MARGIN * 2 + inner
  const boxes: Record<string, NodeBox> = {}
  const lanes = new Map<string, { x: number; y: number; w: number }>()
  let x = MARGIN
  for (const col of columns) {
    const w = Math.ceil(
      Math.max(
        96,
        ...col.filter((s) => !s.lane).flatMap((s) => label(s.id).map((l) => l.length * CHAR_W + 24)),
      ),
    )
    let y = MARGIN + (inner - heightOf(col)) / 2
    for (const s of col) {
      if (s.lane) {
        lanes.set(s.id, { x, y: y + LANE_H / 2, w })
        y += LANE_H + ROW_GAP
      } else {
        boxes[s.id] = { name: s.id, x, y, w, h: BOX_H }
        y += BOX_H + ROW_GAP
      }
    }
    x += w + COL_GAP
  }
  const edges: EdgeRoute[] = []
  for (const [i, names] of levels.entries()) {
    for (const n of names) {
      for (const d of [...(deps[n] ?? [])].sort()) {
        const from = boxes[d]
        const to = boxes[n]
        const ld = levelOf.get(d)
        if (!from || !to || ld === undefined || ld >= i) continue
        const points: [number, number][] = [[from.x + from.w, from.y + from.h / 2]]
        for (let k = ld + 1; k < i; k++) {
          const lane = lanes.get(laneId(d, k))!
          points.push([lane.x, lane.y], [lane.x + lane.w, lane.y])
        }
        points.push([to.x, to.y + to.h / 2])
        edges.push({ from: d, to: n, points })
      }
    }
  }
  return { boxes, edges, width: Math.max(x - COL_GAP + MARGIN, 2 * MARGIN), height }
}

/** SVG path data: horizontal S-curves between columns, straight runs through lanes. */
function pathData(points: [number, number][]): string {
  const [x0, y0] = points[0]!
  let d = `M${x0} ${y0}`
  for (let i = 1; i < points.length; i++) {
    const [xa, ya] = points[i - 1]!
    const [xb, yb] = points[i]!
    const end = i === points.length - 1 ? xb - 6 : xb
    if (i % 2 === 0) d += ` L${xb} ${yb}`
    else {
      const dx = Math.max(16, (xb - xa) / 2)
      d += ` C${xa + dx} ${ya} ${xb - dx} ${yb} ${end} ${yb}`
    }
  }
  return d
}

/** The dependency graph as inline SVG: a `g.node` per image, a `path.edge` per dependency (from parent to child). */
export function graphSvg(data: Pick<ReportData, 'levels' | 'images'>): string {
  const rows = new Map(data.images.map((r) => [r.name, r]))
  const deps = Object.fromEntries(data.images.map((r) => [r.name, r.deps]))
  const { boxes, edges, width, height } = layoutGraph(data.levels, deps, (n) => [
    n,
    rows.get(n)?.version ?? '',
  ])
  const paths = edges.map(
    (e) =>
      `<path class="edge" data-from="${h(e.from)}" data-to="${h(e.to)}" d="${pathData(e.points)}" marker-end="url(#arrow)"><title>${h(e.to)} is built from ${h(e.from)}</title></path>`,
  )
  const nodes = data.levels.flat().map((n) => {
    const b = boxes[n]!
    const r = rows.get(n)
    const state = r ? buildState(r) : 'none'
    const kind = r?.kind ?? 'image'
    const title = `${n} ${r?.version ?? ''} (${kind}): ${state === 'current' ? 'built' : state === 'outdated' ? 'built, outdated' : 'not built'}`
    return (
      `<a href="#img-${h(n)}"><g class="node ${kind} ${state}" data-image="${h(n)}" transform="translate(${b.x} ${b.y})">` +
      `<title>${h(title)}</title>` +
      `<rect width="${b.w}" height="${b.h}" rx="6"/>` +
      `<rect class="state" width="5" height="${b.h}" rx="2"/>` +
      `<text class="name" x="14" y="17">${h(n)}</text>` +
      `<text class="version" x="14" y="32">${h(r?.version ?? '')}</text>` +
      `</g></a>`
    )
  })
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="graph" role="img" aria-label="image dependency graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="4" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#8a94a6"/></marker></defs>` +
    `<g class="edges">${paths.join('')}</g><g class="nodes">${nodes.join('')}</g></svg>`
  )
}

const NOT_BUILT = '<span class="muted nowrap">not built</span>'
const NOT_RUN = '<span class="muted nowrap">not run</span>'

function pinsCell(r: ImageRow, maxAgeDays: number): string {
  if (!r.pins.length) return '<span class="muted">no pins</span>'
  const items = r.pins.map((p) => {
    const extra = p.packages !== undefined ? ` (${p.packages} packages)` : ''
    return (
      `<li><span class="pin">${h(p.name)}</span> <span class="kind">${h(p.kind)}</span> ` +
      `<code>${h(p.version)}</code>${h(extra)} ` +
      `<span class="age${p.old ? ' old' : ''}" title="published ${isoDay(p.date)}${p.old ? `, older than ${maxAgeDays} days` : ''}">${formatAge(p.ageDays)}</span></li>`
    )
  })
  return `<ul class="pins">${items.join('')}</ul>`
}

function sizeCell(r: ImageRow): string {
  const parts: string[] = []
  if (r.built) {
    parts.push(
      `<span class="size">${formatBytes(r.built.compressed)}</span> <span class="muted">compressed</span>`,
    )
    if (r.built.uncompressed !== undefined)
      parts.push(`${formatBytes(r.built.uncompressed)} <span class="muted">uncompressed</span>`)
  } else parts.push(NOT_BUILT)
  if (r.conventional !== undefined) {
    const ours = r.built?.uncompressed ?? r.built?.compressed
    const ratio = ours ? ` (${(r.conventional / ours).toFixed(1)}× smaller)` : ''
    parts.push(`<span class="muted">conventional:</span> ${formatBytes(r.conventional)}${ratio}`)
  }
  return parts.join('<br>')
}

function builtCell(r: ImageRow): string {
  const state = buildState(r)
  if (state === 'none') return NOT_BUILT
  const digest = `<code title="${h(r.built!.digest)}">${h(r.built!.digest.replace('sha256:', '').slice(0, 12))}</code>`
  return state === 'current'
    ? `<span class="ok">built</span> ${digest}`
    : `<span class="warn" title="built from key ${h(r.built!.key.slice(0, 12))}, the plan now has ${h(r.key.slice(0, 12))}">outdated</span> ${digest}`
}

function verifyCell(r: ImageRow): string {
  const v = r.verify
  if (!v) return NOT_RUN
  const older = r.built && v.first !== r.built.digest ? ' <span class="muted">(older build)</span>' : ''
  const when = v.at ? ` <span class="muted">${isoDay(v.at)}</span>` : ''
  if (v.reproduced) return `<span class="ok">reproduced</span>${when}${older}`
  const diff = v.diff
    ? `<details><summary>diff</summary><pre>${h(v.diff.slice(0, 4000))}</pre></details>`
    : ''
  return `<span class="bad">differs</span>${when}${older}${diff}`
}

/** Check names lib/imagetest.ts reports, in the order shown; others follow by name. */
const CHECK_ORDER = ['healthy', 'metrics', 'test', 'stop', 'structure']

function testCell(r: ImageRow): string {
  const t = r.test
  if (!t) return NOT_RUN
  const checks = Object.entries(t.checks ?? {}).sort(
    ([a], [b]) => (CHECK_ORDER.indexOf(a) + 1 || 99) - (CHECK_ORDER.indexOf(b) + 1 || 99) || byName(a, b),
  )
  const lines = [`<span class="${t.ok ? 'ok' : 'bad'}">${t.ok ? 'passed' : 'failed'}</span>`]
  // Health and metrics are what the contract promises: always on their own line when run.
  for (const name of ['healthy', 'metrics']) {
    const c = t.checks?.[name]
    if (c && c.status !== 'skipped')
      lines.push(
        `<span class="${c.status === 'ok' ? 'ok' : 'bad'}">${name === 'healthy' ? 'health' : name} ${c.status === 'ok' ? 'ok' : 'failed'}</span>`,
      )
  }
  if (t.at) lines.push(`<span class="muted">${isoDay(t.at)}</span>`)
  if (r.built && t.digest && t.digest !== r.built.digest)
    lines.push('<span class="muted">(older build)</span>')
  const passed = checks.filter(([, c]) => c.status === 'ok').length
  const details = checks.length
    ? `<details><summary>${passed}/${checks.length} checks</summary><ul>${checks
        .map(
          ([name, c]) =>
            `<li class="${c.status === 'ok' ? 'ok' : c.status === 'failed' ? 'bad' : 'muted'}">${h(name)} ${c.status}${c.detail ? `: <span class="muted">${h(c.detail)}</span>` : ''}</li>`,
        )
        .join('')}</ul></details>`
    : ''
  return lines.join('<br>') + details
}

function auditCell(r: ImageRow): string {
  if (!r.updates) return NOT_RUN
  if (!r.updates.length) return '<span class="ok">none newer</span>'
  return `<span class="bad">${r.updates.length} newer</span><ul class="updates">${r.updates
    .map(
      (u) =>
        `<li><code>${h(u.package)}</code> ${h(u.locked)} → <strong>${h(u.available)}</strong> <span class="muted">${h(u.suite)}</span></li>`,
    )
    .join('')}</ul>`
}

function imageCell(r: ImageRow): string {
  return (
    `<a class="name" href="#img-${h(r.name)}">${h(r.name)}</a> <span class="badge ${r.kind}">${r.kind}</span>` +
    `<div class="desc">${h(r.description)}</div><div class="muted small">${h(r.dir)}</div>` +
    (r.deps.length ? `<div class="muted small">from ${r.deps.map(h).join(', ')}</div>` : '') +
    (r.deprecated ? `<div class="bad small">deprecated: ${h(r.deprecated)}</div>` : '') +
    (r.problems.length
      ? `<div class="bad small">unreadable results:<ul>${r.problems.map((p) => `<li>${h(p)}</li>`).join('')}</ul></div>`
      : '')
  )
}

const CSS = `
:root{--fg:#1d2330;--muted:#6b7385;--line:#dde1e8;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--base:#eef2f8;--img:#fff}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:#f7f8fa}
h1{margin:0 0 4px;font-size:22px}h2{font-size:17px;margin:28px 0 10px}
.meta{color:var(--muted);margin:0 0 16px}
.stats{display:flex;gap:12px;flex-wrap:wrap;margin:0;padding:0;list-style:none}
.stats li{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 14px}
.stats b{display:block;font-size:20px}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px;overflow-x:auto}
.legend{color:var(--muted);font-size:12px;margin:6px 0 0}
.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;vertical-align:-2px;margin:0 4px 0 10px;border:1px solid #8a94a6}
svg.graph text{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;fill:var(--fg)}
svg.graph text.name{font-weight:600}svg.graph text.version{fill:var(--muted);font-size:11px}
svg.graph .node rect{fill:var(--img);stroke:#8a94a6;stroke-width:1.2}
svg.graph .node.base rect{fill:var(--base);stroke-dasharray:4 3}
svg.graph .node rect.state{stroke:none;fill:#c4c9d4}
svg.graph .node.current rect.state{fill:var(--ok)}svg.graph .node.outdated rect.state{fill:#d4a72c}
svg.graph a:hover rect{stroke:var(--fg)}
svg.graph .edge{fill:none;stroke:#a3acbb;stroke-width:1.2}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line);border-radius:8px}
th,td{text-align:left;vertical-align:top;padding:8px 10px;border-bottom:1px solid var(--line)}
th{background:#f0f2f5;font-weight:600;font-size:13px;position:sticky;top:0}
tr:target td{background:#fff8c5}
a.name{font-weight:600;color:var(--fg);text-decoration:none}
.badge{font-size:11px;border-radius:10px;padding:1px 7px;background:#e7ecf3;color:var(--muted)}
.badge.base{border:1px dashed #8a94a6}
.desc{max-width:22em}.small{font-size:12px}.nowrap{white-space:nowrap}
ul{margin:0;padding-left:16px}ul.pins{padding:0;list-style:none}ul.pins li{white-space:nowrap}
.pin{font-weight:600}.kind{color:var(--muted);font-size:12px}
.age{font-size:12px;color:var(--muted)}.age.old{color:var(--bad);font-weight:600}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.muted{color:var(--muted)}.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}
td>span.ok,td>span.bad,td>span.warn{white-space:nowrap}
pre{max-width:40em;max-height:20em;overflow:auto;font-size:11px;background:#f6f8fa;padding:6px}
`

/** The whole page. Pure: the same data gives the same bytes. */
export function renderReport(data: ReportData): string {
  const rows = data.images
  const count = (f: (r: ImageRow) => boolean): number => rows.filter(f).length
  const stats: [string, string][] = [
    [String(count((r) => r.kind === 'image')), 'images'],
    [String(count((r) => r.kind === 'base')), 'bases'],
    [`${count((r) => buildState(r) === 'current')}/${rows.length}`, 'built (current)'],
    [
      `${count((r) => r.verify?.reproduced === true)}/${count((r) => r.verify !== undefined)}`,
      'reproduced / verified',
    ],
    [`${count((r) => r.test?.ok === true)}/${count((r) => r.test !== undefined)}`, 'tests passed / run'],
    [String(count((r) => r.pins.some((p) => p.old))), `with pins older than ${data.maxAgeDays} d`],
    [
      data.auditRan ? String(count((r) => (r.updates?.length ?? 0) > 0)) : '–',
      data.auditRan ? 'with security updates' : 'audit not run',
    ],
  ]
  const table = rows
    .map(
      (r) =>
        `<tr id="img-${h(r.name)}" class="image-row" data-image="${h(r.name)}">` +
        `<td>${imageCell(r)}</td>` +
        `<td><code>${h(r.version)}</code><div class="small">${builtCell(r)}</div></td>` +
        `<td>${pinsCell(r, data.maxAgeDays)}</td>` +
        `<td>${sizeCell(r)}</td>` +
        `<td>${verifyCell(r)}</td>` +
        `<td>${testCell(r)}</td>` +
        `<td>${r.sbom ? `<a href="${h(r.sbom)}">SPDX</a>` : '<span class="muted">none</span>'}</td>` +
        `<td>${auditCell(r)}</td>` +
        `</tr>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="atelier ${h(data.framework)} (pnpm report)">
<title>atelier images</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>atelier images</h1>
<p class="meta">Generated by <code>pnpm report</code> at ${h(new Date(data.generatedAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'))}, framework ${h(data.framework)}. Ages are measured from each pin's publication date.</p>
<ul class="stats">${stats.map(([n, l]) => `<li><b>${h(n)}</b>${h(l)}</li>`).join('')}</ul>
</header>
<section>
<h2>Dependency graph</h2>
<figure>${graphSvg(data)}</figure>
<p class="legend">columns are build levels; arrows point from an image to those built from it.<i style="background:#fff"></i>image<i style="background:#eef2f8;border-style:dashed"></i>base<i style="background:#1a7f37"></i>built<i style="background:#d4a72c"></i>built from an older key<i style="background:#c4c9d4"></i>not built</p>
</section>
<section>
<h2>Images</h2>
<table class="images">
<thead><tr><th>image</th><th>version</th><th>pinned inputs (age)</th><th>size</th><th>reproducible</th><th>tests</th><th>SBOM</th><th>newer packages</th></tr></thead>
<tbody>
${table}
</tbody>
</table>
</section>
</body>
</html>
`
}

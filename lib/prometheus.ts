// The metrics convention: parse the Prometheus text exposition format (what image tests scrape) and
// write the scrape config for every image that declares `runtime.metrics`. Pure: no I/O.
// The parser is small and ours: the npm parsers are unmaintained or accept malformed pages silently.
import { stringify } from 'yaml'
import { MetricsFormatError } from './errors.ts'
import type { PlannedImage } from './plan.ts'

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'

export interface Sample {
  /** Full sample name, e.g. `http_requests_total` or `latency_seconds_bucket`. */
  name: string
  labels: Record<string, string>
  value: number
  /** Milliseconds since the epoch, when the page gives one. */
  timestamp?: number
}

export interface Family {
  type: MetricType
  help: string
  samples: Sample[]
}

export interface Exposition {
  /** By family name (the TYPE name: `latency_seconds` holds its `_bucket`, `_sum`, `_count`). */
  families: Map<string, Family>
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped'])
const SUFFIXES: Record<MetricType, string[]> = {
  counter: ['', '_total', '_created'],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['', '_sum', '_count', '_created'],
}

function parseValue(s: string, line: number, what: string): number {
  if (s === '+Inf' || s === 'Inf') return Number.POSITIVE_INFINITY
  if (s === '-Inf') return Number.NEGATIVE_INFINITY
  if (s === 'NaN') return Number.NaN
  // Number('') is 0 and Number('0x10') is 16: only decimal floats are valid here.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s))
    throw new MetricsFormatError(line, `bad ${what} "${s}"`)
  return Number(s)
}

/** `{a="x",b="y\"z"}` starting at text[i] === '{'; returns the labels and the index after `}`. */
function parseLabels(
  text: string,
  start: number,
  line: number,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {}
  let i = start + 1
  const skipSpace = (): void => {
    while (text[i] === ' ' || text[i] === '\t') i++
  }
  for (;;) {
    skipSpace()
    if (text[i] === '}') return { labels, end: i + 1 }
    const nameStart = i
    while (i < text.length && /[a-zA-Z0-9_]/.test(text[i]!)) i++
    const name = text.slice(nameStart, i)
    if (!LABEL_NAME.test(name))
      throw new MetricsFormatError(line, `bad label name at column ${nameStart + 1}`)
    if (name in labels) throw new MetricsFormatError(line, `label "${name}" given twice`)
    skipSpace()
    if (text[i] !== '=') throw new MetricsFormatError(line, `expected = after label "${name}"`)
    i++
    skipSpace()
    if (text[i] !== '"') throw new MetricsFormatError(line, `label "${name}": value must be in double quotes`)
    i++
    let value = ''
    for (;;) {
      const c = text[i]
      if (c === undefined) throw new MetricsFormatError(line, `label "${name}": unterminated value`)
      if (c === '"') break
      if (c === '\\') {
        const e = text[i + 1]
        if (e === 'n') value += '\n'
        else if (e === '\\' || e === '"') value += e
        else throw new MetricsFormatError(line, `label "${name}": bad escape "\\${e ?? ''}"`)
        i += 2
      } else {
        value += c
        i++
      }
    }
    i++
    labels[name] = value
    skipSpace()
    if (text[i] === ',') i++
    else if (text[i] !== '}') throw new MetricsFormatError(line, `expected , or } after label "${name}"`)
  }
}

/** `help` text escapes: `\\` and `\n`. */
function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'))
}

/** Parse a metrics page; throws MetricsFormatError naming the first bad line. */
export function parseExposition(text: string): Exposition {
  const families = new Map<string, Family>()
  // Sample names announced by a TYPE line -> their family (e.g. x_bucket -> x).
  const owner = new Map<string, string>()
  const declared = new Set<string>()
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  const family = (name: string): Family => {
    let f = families.get(name)
    if (!f) {
      f = { type: 'untyped', help: '', samples: [] }
      families.set(name, f)
    }
    return f
  }
  lines.forEach((raw, idx) => {
    const line = idx + 1
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (text.trim() === '') return
    if (text.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(text)
      if (!m) return // any other comment
      const [, kw, name, rest = ''] = m as unknown as [string, 'HELP' | 'TYPE', string, string | undefined]
      if (!METRIC_NAME.test(name)) throw new MetricsFormatError(line, `bad metric name "${name}"`)
      if (kw === 'HELP') {
        family(owner.get(name) ?? name).help = unescapeHelp(rest)
        return
      }
      const type = rest.trim() as MetricType
      if (!TYPES.has(type)) throw new MetricsFormatError(line, `unknown type "${rest.trim()}" for ${name}`)
      if (declared.has(name)) throw new MetricsFormatError(line, `second TYPE line for ${name}`)
      const f = family(name)
      if (f.samples.length) throw new MetricsFormatError(line, `TYPE for ${name} comes after its samples`)
      declared.add(name)
      f.type = type
      for (const s of SUFFIXES[type]) owner.set(name + s, name)
      return
    }
    const nm = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text)
    if (!nm)
      throw new MetricsFormatError(
        line,
        `expected a metric name, a comment or a blank line: "${text.slice(0, 40)}"`,
      )
    const name = nm[0]
    let i = name.length
    let labels: Record<string, string> = {}
    if (text[i] === '{') {
      const l = parseLabels(text, i, line)
      labels = l.labels
      i = l.end
    }
    const fields = text
      .slice(i)
      .trim()
      .split(/[ \t]+/)
    if (text[i] !== undefined && text[i] !== ' ' && text[i] !== '\t')
      throw new MetricsFormatError(line, `unexpected "${text[i]}" after ${name}`)
    if (fields.length < 1 || fields[0] === '') throw new MetricsFormatError(line, `${name} has no value`)
    if (fields.length > 2)
      throw new MetricsFormatError(line, `${name}: trailing text "${fields.slice(2).join(' ')}"`)
    const sample: Sample = { name, labels, value: parseValue(fields[0]!, line, 'value') }
    if (fields[1] !== undefined) {
      if (!/^-?\d+$/.test(fields[1])) throw new MetricsFormatError(line, `bad timestamp "${fields[1]}"`)
      sample.timestamp = Number(fields[1])
    }
    family(owner.get(name) ?? name).samples.push(sample)
  })
  return { families }
}

export interface ScrapeOptions {
  /** @default '30s' */
  scrapeInterval?: string
}

/**
 * A Prometheus config with one job per image declaring `runtime.metrics` (bases never run).
 * Targets are `<image>:<port>`: containers named after their image on a shared network (compose,
 * k8s services). An exporter runs in its app's network namespace (a sidecar), so it answers there too.
 */
export function scrapeConfig(plans: Record<string, PlannedImage>, opts: ScrapeOptions = {}): string {
  const jobs = Object.keys(plans)
    .sort()
    .flatMap((name) => {
      const { plan } = plans[name]!
      const m = plan.runtime.metrics
      if (plan.kind === 'base' || !m) return []
      return [
        {
          job_name: name,
          metrics_path: m.path,
          static_configs: [
            {
              targets: [`${name}:${m.port}`],
              labels: { image: name, version: plan.version, ...(m.exporter ? { exporter: m.exporter } : {}) },
            },
          ],
        },
      ]
    })
  const doc = {
    global: { scrape_interval: opts.scrapeInterval ?? '30s' },
    scrape_configs: jobs,
  }
  return `# Generated from the recipes' runtime.metrics by \`pnpm prometheus-config\`; do not edit.\n${stringify(doc)}`
}

// The text-format parser against valid and broken pages, and the scrape config checked by the real promtool.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { MetricsFormatError } from './errors.ts'
import type { Plan, PlannedImage } from './plan.ts'
import { parseExposition, scrapeConfig } from './prometheus.ts'
import type { ResolvedRuntime } from './runtime.ts'

const PAGE = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# A plain comment is ignored.
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
metric_without_timestamp_and_labels 12.47
# HELP latency_seconds Request latency.\\nSecond line.
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.05"} 24054
latency_seconds_bucket{le="+Inf"} 144320
latency_seconds_sum 53423
latency_seconds_count 144320
# TYPE up gauge
up +Inf
down -Inf
weird NaN
`

describe('parseExposition', () => {
  it('reads families, labels with escapes, timestamps and special values', () => {
    const { families } = parseExposition(PAGE)
    const reqs = families.get('http_requests_total')!
    expect(reqs.type).toBe('counter')
    expect(reqs.help).toBe('The total number of HTTP requests.')
    expect(reqs.samples).toEqual([
      {
        name: 'http_requests_total',
        labels: { method: 'post', code: '200' },
        value: 1027,
        timestamp: 1395066363000,
      },
      {
        name: 'http_requests_total',
        labels: { method: 'post', code: '400' },
        value: 3,
        timestamp: 1395066363000,
      },
    ])
    expect(families.get('msdos_file_access_time_seconds')!.samples[0]!.labels).toEqual({
      path: 'C:\\DIR\\FILE.TXT',
      error: 'Cannot find file:\n"FILE.TXT"',
    })
    expect(families.get('metric_without_timestamp_and_labels')).toEqual({
      type: 'untyped',
      help: '',
      samples: [{ name: 'metric_without_timestamp_and_labels', labels: {}, value: 12.47 }],
    })
    const lat = families.get('latency_seconds')!
    expect(lat.type).toBe('histogram')
    expect(lat.help).toBe('Request latency.\nSecond line.')
    expect(lat.samples.map((s) => s.name)).toEqual([
      'latency_seconds_bucket',
      'latency_seconds_bucket',
      'latency_seconds_sum',
      'latency_seconds_count',
    ])
    expect(families.has('latency_seconds_bucket')).toBe(false)
    expect(families.get('up')!.samples[0]!.value).toBe(Number.POSITIVE_INFINITY)
    expect(families.get('down')!.samples[0]!.value).toBe(Number.NEGATIVE_INFINITY)
    expect(families.get('weird')!.samples[0]!.value).toBeNaN()
  })

  it('accepts CRLF line ends and an empty page', () => {
    expect(parseExposition('a 1\r\nb{x="y"} 2\r\n').families.size).toBe(2)
    expect(parseExposition('').families.size).toBe(0)
  })

  const bad: [string, string][] = [
    [
      'ok 1\n<html>oops</html>\n',
      'line 2: expected a metric name, a comment or a blank line: "<html>oops</html>"',
    ],
    ['a{b="c} 1\n', 'line 1: label "b": unterminated value'],
    ['a{b=c} 1\n', 'line 1: label "b": value must be in double quotes'],
    ['a{b="x",b="y"} 1\n', 'line 1: label "b" given twice'],
    ['a{b="\\t"} 1\n', 'line 1: label "b": bad escape "\\t"'],
    ['\n\na one\n', 'line 3: bad value "one"'],
    ['a 0x10\n', 'line 1: bad value "0x10"'],
    ['a\n', 'line 1: a has no value'],
    ['a 1 2 3\n', 'line 1: a: trailing text "3"'],
    ['a 1 12.5\n', 'line 1: bad timestamp "12.5"'],
    ['# TYPE a countr\na 1\n', 'line 1: unknown type "countr" for a'],
    ['a 1\n# TYPE a gauge\n', 'line 2: TYPE for a comes after its samples'],
    ['# TYPE a gauge\n# TYPE a gauge\n', 'line 2: second TYPE line for a'],
    ['# HELP 1a x\n', 'line 1: bad metric name "1a"'],
    ['a{b="c"}1\n', 'line 1: unexpected "1" after a'],
  ]
  it.each(bad)('rejects %j', (page, message) => {
    let err: unknown
    try {
      parseExposition(page)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(MetricsFormatError)
    expect((err as MetricsFormatError).message).toBe(message)
    expect((err as MetricsFormatError).code).toBe('E_METRICS_FORMAT')
  })
})

function planned(
  name: string,
  opts: { kind?: 'image' | 'base'; version?: string; metrics?: ResolvedRuntime['metrics'] },
): PlannedImage {
  const runtime: ResolvedRuntime = {
    user: { uid: 65532, gid: 65532 },
    workdir: '/',
    env: {},
    entrypoint: [`/usr/bin/${name}`],
    cmd: [],
    ports: [],
    volumes: [],
    tmpfs: [],
    stopTimeout: 10,
    labels: {},
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  }
  const plan: Plan = {
    schema: 1,
    framework: '0.0.0',
    image: name,
    kind: opts.kind ?? 'image',
    version: opts.version ?? '1.0',
    platform: 'linux/amd64',
    recipe: `images/${name}/recipe.ts`,
    epoch: 0,
    parents: {},
    pins: {},
    sources: {},
    files: {},
    dockerfile: '',
    runtime,
    network: false,
    push: true,
  }
  return { plan, key: 'k', ref: `atelier/${name}:key-k`, tags: [] }
}

describe('scrapeConfig', () => {
  const plans = {
    registry: planned('registry', { version: '2.8.2', metrics: { port: 5001, path: '/metrics' } }),
    redis: planned('redis', {
      version: '7.0.15',
      metrics: { port: 9121, path: '/metrics', exporter: 'redis-exporter' },
    }),
    nginx: planned('nginx', { version: '1.22.1', metrics: { port: 9113, path: '/prom' } }),
    toolchain: planned('toolchain', { kind: 'base', metrics: { port: 1, path: '/metrics' } }),
    quiet: planned('quiet', {}),
  }

  it('has one job per image with metrics, targets by image name, labels with name and version', () => {
    const doc = parse(scrapeConfig(plans)) as {
      scrape_configs: {
        job_name: string
        metrics_path: string
        static_configs: { targets: string[]; labels: object }[]
      }[]
    }
    expect(doc.scrape_configs.map((j) => j.job_name)).toEqual(['nginx', 'redis', 'registry'])
    const redis = doc.scrape_configs.find((j) => j.job_name === 'redis')!
    expect(redis.static_configs).toEqual([
      { targets: ['redis:9121'], labels: { image: 'redis', version: '7.0.15', exporter: 'redis-exporter' } },
    ])
    expect(doc.scrape_configs.find((j) => j.job_name === 'nginx')!.metrics_path).toBe('/prom')
    expect(scrapeConfig(plans)).toMatch(/^# Generated .* `pnpm prometheus-config`/)
  })

  it('passes `promtool check config`', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promcfg-'))
    try {
      const file = join(dir, 'prometheus.yml')
      await writeFile(file, scrapeConfig(plans, { scrapeInterval: '15s' }))
      const { stdout } = await promisify(execFile)('promtool', ['check', 'config', file])
      expect(stdout).toContain('SUCCESS')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

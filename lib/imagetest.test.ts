// The pure parts of image tests: the hardened run argv, the health wait, runtimes read back from an
// image config, and the results table.
import { describe, expect, it } from 'vitest'
import {
  hardenedRunArgs,
  healthWaitMs,
  type ImageResult,
  resultsTable,
  runtimeFromConfig,
} from './imagetest.ts'
import type { ResolvedRuntime } from './runtime.ts'

const RT: ResolvedRuntime = {
  user: { uid: 65532, gid: 65532 },
  workdir: '/',
  env: {},
  entrypoint: ['/usr/bin/redis-server'],
  cmd: [],
  ports: [{ port: 6379, protocol: 'tcp' }],
  volumes: ['/data'],
  tmpfs: ['/tmp'],
  stopTimeout: 10,
  healthcheck: {
    test: ['/usr/local/bin/healthcheck', 'tcp', '127.0.0.1:6379'],
    interval: '10s',
    timeout: '3s',
    startPeriod: '5s',
    retries: 3,
  },
  labels: {},
}

describe('hardenedRunArgs', () => {
  it('runs read-only, without capabilities or new privileges, as the runtime user, tmpfs only where declared', () => {
    expect(hardenedRunArgs(RT, { name: 'c', network: 'n' })).toEqual([
      'run',
      '-d',
      '--name',
      'c',
      '--label',
      'org.atelier.test=1',
      '--network',
      'n',
      '--read-only',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--user',
      '65532:65532',
      '--tmpfs',
      '/tmp:rw,nosuid,nodev,mode=1777',
      '--health-interval',
      '1s',
    ])
    const { healthcheck: _h, ...noHealth } = RT
    expect(hardenedRunArgs({ ...noHealth, tmpfs: [] }, { name: 'c', network: 'n' })).not.toContain('--tmpfs')
    expect(hardenedRunArgs({ ...noHealth, tmpfs: [] }, { name: 'c', network: 'n' })).not.toContain(
      '--health-interval',
    )
  })
})

describe('healthWaitMs', () => {
  it('allows the start period and every retry at the 1s test interval, capped', () => {
    // 5s + 4 * (1s + 3s) + 10s margin
    expect(healthWaitMs(RT, 120_000)).toBe(31_000)
    expect(healthWaitMs(RT, 20_000)).toBe(20_000)
  })
})

describe('runtimeFromConfig', () => {
  it('reads user, ports, volumes, stop signal, healthcheck and metrics labels', () => {
    const rt = runtimeFromConfig({
      User: '65532:65533',
      Entrypoint: ['/bin/app'],
      Cmd: null,
      Env: ['PATH=/usr/bin', 'A=b=c'],
      ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
      Volumes: { '/data': {} },
      StopSignal: 'SIGINT',
      Healthcheck: {
        Test: ['CMD', '/h', 'tcp', '127.0.0.1:8080'],
        Interval: 1e9,
        Timeout: 2e9,
        StartPeriod: 1e6,
        Retries: 2,
      },
      Labels: { 'org.atelier.metrics.port': '9100', 'org.atelier.metrics.exporter': 'x-exporter' },
    })
    expect(rt).toMatchObject({
      user: { uid: 65532, gid: 65533 },
      env: { PATH: '/usr/bin', A: 'b=c' },
      entrypoint: ['/bin/app'],
      cmd: [],
      ports: [
        { port: 8080, protocol: 'tcp' },
        { port: 53, protocol: 'udp' },
      ],
      volumes: ['/data'],
      stopSignal: 'SIGINT',
      stopTimeout: 10,
      healthcheck: {
        test: ['/h', 'tcp', '127.0.0.1:8080'],
        interval: '1000ms',
        timeout: '2000ms',
        startPeriod: '1ms',
        retries: 2,
      },
      metrics: { port: 9100, path: '/metrics', exporter: 'x-exporter' },
    })
  })

  it('treats an empty or named User as root (uid 0) and has no healthcheck for NONE', () => {
    expect(runtimeFromConfig({ User: '' }).user).toEqual({ uid: 0, gid: 0 })
    expect(runtimeFromConfig({ User: 'root' }).user).toEqual({ uid: 0, gid: 0 })
    expect(runtimeFromConfig({ Healthcheck: { Test: ['NONE'] } }).healthcheck).toBeUndefined()
  })
})

describe('resultsTable', () => {
  it('lines up one row per image and adds a footnote per failed check', () => {
    const ok = { status: 'ok', detail: 'fine' } as const
    const results: ImageResult[] = [
      {
        image: 'redis',
        ref: 'r',
        seconds: 3.21,
        ok: true,
        checks: { healthy: ok, metrics: ok, test: ok, stop: ok, structure: ok },
      },
      {
        image: 'web',
        ref: 'w',
        seconds: 12,
        ok: false,
        logFile: 'build/test-logs/web.log',
        checks: {
          healthy: { status: 'failed', detail: 'exited with code 1 before becoming healthy\nboom' },
          metrics: { status: 'skipped', detail: 'not reached' },
          test: { status: 'skipped', detail: 'not reached' },
          stop: { status: 'skipped', detail: 'not running (exited)' },
          structure: ok,
        },
      },
    ]
    expect(resultsTable(results)).toBe(
      [
        'image | healthy | metrics | test | stop | structure | time',
        '------|---------|---------|------|------|-----------|------',
        'redis | ok      | ok      | ok   | ok   | ok        | 3.2s',
        'web   | FAIL    | -       | -    | -    | ok        | 12.0s',
        'web healthy: exited with code 1 before becoming healthy',
        '    | boom',
        'web: logs kept in build/test-logs/web.log',
        '',
      ].join('\n'),
    )
  })
})

// Fixture: a service compiled from a Debian source package, on both toolchain and runtime (diamond).
import { debianSource } from '../../../../pin.ts'
import { http, image, run, upstream } from '../../../../recipe.ts'
import runtime from '../../base/runtime/recipe.ts'
import toolchain from '../../base/toolchain/recipe.ts'

export default image({
  name: 'app1',
  version: (lock) => upstream(lock.pins.app1!.version),
  description: 'fixture service one',
  pins: { app1: debianSource('app1') },
  stages: [
    {
      name: 'build',
      from: toolchain,
      sources: ['app1'],
      steps: [
        { workdir: '/src/app1' },
        { env: { CFLAGS: '-O2' } },
        run('tar', '-xzf', 'app1_1.4.2.orig.tar.gz', '--strip-components=1'),
        run('make', 'PREFIX=/usr/local', 'install'),
      ],
    },
  ],
  final: {
    from: runtime,
    closure: { from: 'build', binaries: ['/usr/local/bin/app1'] },
    writable: ['/run/app1'],
  },
  runtime: {
    workdir: '/data',
    env: { TZ: 'UTC' },
    entrypoint: ['/usr/local/bin/app1'],
    cmd: ['--listen', '0.0.0.0:8080'],
    ports: [{ port: 8080, name: 'http' }],
    volumes: ['/data'],
    stopSignal: 'SIGINT',
    healthcheck: http({ port: 8080, path: '/healthz', interval: '30s' }),
    metrics: { port: 9090 },
    labels: { 'org.example.team': 'fixtures' },
  },
})

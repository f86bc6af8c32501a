// images/redis: Redis compiled from the upstream source tarball (Debian's pinned orig.tar.gz) with
// hardening flags, on base/runtime. Metrics through the redis-exporter image.
import runtime from '../../base/runtime/recipe.ts'
import toolchain from '../../base/toolchain/recipe.ts'
import { debianSource, expect, image, run, upstream } from '../../lib/index.ts'

/** Hardening: stack protector, FORTIFY_SOURCE, PIE, full RELRO (checked by images/redis/test.ts). */
const CFLAGS = '-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -ffile-prefix-map=/build=.'
const LDFLAGS = '-pie -Wl,-z,relro -Wl,-z,now'

export default image({
  name: 'redis',
  version: (lock) => upstream(lock.pins.redis?.version ?? '0'),
  description: 'Redis in-memory data store, compiled from source with hardening flags',
  pins: { redis: debianSource('redis') },
  stages: [
    {
      name: 'build',
      from: toolchain,
      sources: ['redis'],
      steps: [
        run(
          '/bin/sh',
          '-c',
          'mkdir -p /build && tar -xzf /src/redis/*.orig.tar.gz -C /build --strip-components=1',
        ),
        // -O2 without LTO: LTO object names are not reproducible without extra care.
        run(
          'make',
          '-C',
          '/build',
          '-j2',
          'OPTIMIZATION=-O2',
          'BUILD_TLS=no',
          'USE_SYSTEMD=no',
          `REDIS_CFLAGS=${CFLAGS}`,
          `REDIS_LDFLAGS=${LDFLAGS}`,
          'redis-server',
        ),
        run('install', '-D', '-m', '0755', '-s', '/build/src/redis-server', '/usr/local/bin/redis-server'),
        { copy: { src: ['files/redis.conf'], dest: '/etc/redis/redis.conf' } },
      ],
    },
  ],
  final: {
    from: runtime,
    closure: { from: 'build', binaries: ['/usr/local/bin/redis-server'] },
    copy: [{ from: 'build', src: '/etc/redis/redis.conf', dest: '/etc/redis/redis.conf' }],
  },
  runtime: {
    entrypoint: ['/usr/local/bin/redis-server'],
    cmd: ['/etc/redis/redis.conf'],
    workdir: '/data',
    ports: [{ port: 6379, name: 'redis' }],
    volumes: ['/data'],
    stopSignal: 'SIGTERM',
    healthcheck: expect(6379, 'PING\r\n', '+PONG', { interval: '5s', startPeriod: '2s' }),
    metrics: { port: 9121, exporter: 'redis-exporter' },
  },
})

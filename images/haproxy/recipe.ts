// images/haproxy: HAProxy compiled from the upstream source tarball (Debian's pinned orig.tar.gz) with
// hardening flags and its built-in Prometheus exporter, on base/runtime. SIGUSR1 stops it softly.
import runtime from '../../base/runtime/recipe.ts'
import toolchain from '../../base/toolchain/recipe.ts'
import { debianSource, http, image, run, upstream } from '../../lib/index.ts'

const CFLAGS = '-O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -ffile-prefix-map=/build=.'
const LDFLAGS = '-pie -Wl,-z,relro -Wl,-z,now'

export default image({
  name: 'haproxy',
  version: (lock) => upstream(lock.pins.haproxy?.version ?? '0'),
  description: 'HAProxy load balancer, compiled from source with its Prometheus exporter',
  pins: { haproxy: debianSource('haproxy') },
  stages: [
    {
      name: 'build',
      from: toolchain,
      sources: ['haproxy'],
      steps: [
        run(
          '/bin/sh',
          '-c',
          'mkdir -p /build && tar -xzf /src/haproxy/*.orig.tar.gz -C /build --strip-components=1',
        ),
        run(
          'make',
          '-C',
          '/build',
          '-j2',
          'TARGET=linux-glibc',
          'USE_OPENSSL=1',
          'USE_PCRE2=1',
          'USE_PCRE2_JIT=1',
          'USE_PROMEX=1',
          `CPU_CFLAGS=${CFLAGS}`,
          `LDFLAGS=${LDFLAGS}`,
        ),
        run('install', '-D', '-m', '0755', '-s', '/build/haproxy', '/usr/sbin/haproxy'),
        { copy: { src: ['files/haproxy.cfg'], dest: '/etc/haproxy/haproxy.cfg' } },
      ],
    },
  ],
  final: {
    from: runtime,
    // libgcc_s is dlopen'd by glibc for pthread_exit, so no DT_NEEDED entry names it.
    closure: { from: 'build', binaries: ['/usr/sbin/haproxy', '/lib/x86_64-linux-gnu/libgcc_s.so.1'] },
    copy: [{ from: 'build', src: '/etc/haproxy/haproxy.cfg', dest: '/etc/haproxy/haproxy.cfg' }],
  },
  runtime: {
    entrypoint: ['/usr/sbin/haproxy'],
    cmd: ['-db', '-f', '/etc/haproxy/haproxy.cfg'],
    ports: [
      { port: 8080, name: 'http' },
      { port: 8405, name: 'metrics' },
    ],
    stopSignal: 'SIGUSR1',
    healthcheck: http({ port: 8080, path: '/healthz' }),
    metrics: { port: 8405 },
  },
})

// images/nginx: nginx compiled from the upstream source tarball (Debian's pinned orig.tar.gz) with
// hardening flags, on base/runtime; non-root on :8080; stub_status on :8081 for nginx-exporter.
import runtime from '../../base/runtime/recipe.ts'
import toolchain from '../../base/toolchain/recipe.ts'
import { debianSource, http, image, run, upstream } from '../../lib/index.ts'

const CC_OPT = '-O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -ffile-prefix-map=/build=.'
const LD_OPT = '-pie -Wl,-z,relro -Wl,-z,now'

export default image({
  name: 'nginx',
  version: (lock) => upstream(lock.pins.nginx?.version ?? '0'),
  description: 'nginx web server, compiled from source with hardening flags, non-root on :8080',
  pins: { nginx: debianSource('nginx') },
  stages: [
    {
      name: 'build',
      from: toolchain,
      sources: ['nginx'],
      steps: [
        run(
          '/bin/sh',
          '-c',
          'mkdir -p /build && tar -xzf /src/nginx/*.orig.tar.gz -C /build --strip-components=1',
        ),
        { workdir: '/build' },
        run(
          './configure',
          '--prefix=/etc/nginx',
          '--sbin-path=/usr/sbin/nginx',
          '--conf-path=/etc/nginx/nginx.conf',
          '--pid-path=/var/cache/nginx/nginx.pid',
          '--error-log-path=/dev/stderr',
          '--http-log-path=/dev/stdout',
          '--http-client-body-temp-path=/var/cache/nginx/client_body',
          '--http-proxy-temp-path=/var/cache/nginx/proxy',
          '--http-fastcgi-temp-path=/var/cache/nginx/fastcgi',
          '--http-uwsgi-temp-path=/var/cache/nginx/uwsgi',
          '--http-scgi-temp-path=/var/cache/nginx/scgi',
          '--with-threads',
          '--with-http_ssl_module',
          '--with-http_v2_module',
          '--with-http_stub_status_module',
          '--with-http_realip_module',
          '--with-http_gzip_static_module',
          `--with-cc-opt=${CC_OPT}`,
          `--with-ld-opt=${LD_OPT}`,
        ),
        run('make', '-j2'),
        run('install', '-D', '-m', '0755', '-s', 'objs/nginx', '/usr/sbin/nginx'),
        run('install', '-D', '-m', '0644', 'conf/mime.types', '/etc/nginx/mime.types'),
        { copy: { src: ['files/nginx.conf'], dest: '/etc/nginx/nginx.conf' } },
        { copy: { src: ['files/index.html'], dest: '/usr/share/nginx/html/index.html' } },
      ],
    },
  ],
  final: {
    from: runtime,
    closure: { from: 'build', binaries: ['/usr/sbin/nginx'] },
    copy: [
      { from: 'build', src: '/etc/nginx/', dest: '/etc/nginx/' },
      { from: 'build', src: '/usr/share/nginx/html/', dest: '/usr/share/nginx/html/' },
    ],
  },
  runtime: {
    entrypoint: ['/usr/sbin/nginx'],
    cmd: ['-c', '/etc/nginx/nginx.conf'],
    ports: [
      { port: 8080, name: 'http' },
      { port: 8081, name: 'stub-status' },
    ],
    volumes: ['/var/cache/nginx'],
    stopSignal: 'SIGQUIT',
    healthcheck: http({ port: 8080, path: '/healthz' }),
    metrics: { port: 9113, exporter: 'nginx-exporter' },
  },
})

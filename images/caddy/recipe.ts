// images/caddy: the Caddy web server from Debian's caddy package (a Go binary), serving /srv on :8080.
import { debianBinary, debianPackage, http, image, upstream } from '../../lib/index.ts'

export default image({
  name: 'caddy',
  version: (lock) => upstream(lock.pins.caddy?.version ?? '0'),
  description: 'Caddy web server serving a static site, with native Prometheus metrics',
  pins: { caddy: debianPackage('caddy') },
  ...debianBinary({
    pin: 'caddy',
    binaries: ['/usr/bin/caddy'],
    steps: [
      { copy: { src: ['files/Caddyfile'], dest: '/etc/caddy-src/Caddyfile' } },
      { copy: { src: ['files/site/'], dest: '/etc/caddy-src/site/' } },
    ],
    copy: [
      { from: 'build', src: '/etc/caddy-src/Caddyfile', dest: '/etc/caddy/Caddyfile' },
      { from: 'build', src: '/etc/caddy-src/site/', dest: '/srv/' },
    ],
  }),
  runtime: {
    entrypoint: ['/usr/bin/caddy'],
    cmd: ['run', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile'],
    env: { XDG_CONFIG_HOME: '/config', XDG_DATA_HOME: '/data' },
    ports: [{ port: 8080, name: 'http' }],
    volumes: ['/config', '/data'],
    stopSignal: 'SIGTERM',
    // The admin API answers on loopback inside the container: its /config/ is the health probe.
    healthcheck: http({ port: 2019, path: '/config/' }),
    metrics: { port: 9180 },
  },
})

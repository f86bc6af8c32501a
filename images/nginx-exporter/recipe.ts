// images/nginx-exporter: Prometheus exporter for nginx stub_status. Debian's prometheus-nginx-exporter
// from trixie (1.x): unlike bookworm's 0.11 it serves /metrics (nginx_up 0) while nginx is unreachable.
// Its Go binary needs only symbols bookworm's glibc has.
import { debianBinary, debianPackage, http, image, upstream } from '../../lib/index.ts'

export default image({
  name: 'nginx-exporter',
  version: (lock) => upstream(lock.pins['prometheus-nginx-exporter']?.version ?? '0'),
  description: 'Prometheus exporter for nginx stub_status metrics',
  pins: { 'prometheus-nginx-exporter': debianPackage('prometheus-nginx-exporter', { suite: 'trixie' }) },
  ...debianBinary({ pin: 'prometheus-nginx-exporter', binaries: ['/usr/bin/prometheus-nginx-exporter'] }),
  runtime: {
    entrypoint: ['/usr/bin/prometheus-nginx-exporter'],
    cmd: ['--nginx.scrape-uri', 'http://127.0.0.1:8081/stub_status', '--web.listen-address', ':9113'],
    ports: [{ port: 9113, name: 'metrics' }],
    // No SIGTERM handler: as PID 1 the Go runtime exits 2 on SIGTERM, promptly and with nothing to flush.
    stopExitCodes: [2],
    healthcheck: http({ port: 9113, path: '/' }),
    metrics: { port: 9113 },
  },
})

// images/node-exporter: Prometheus node exporter from Debian's prometheus-node-exporter.
// Run with `--pid host -v /:/host:ro,rslave` and `--path.rootfs=/host` for host metrics.
import { debianBinary, debianPackage, http, image, upstream } from '../../lib/index.ts'

export default image({
  name: 'node-exporter',
  version: (lock) => upstream(lock.pins['prometheus-node-exporter']?.version ?? '0'),
  description: 'Prometheus exporter for machine metrics',
  pins: { 'prometheus-node-exporter': debianPackage('prometheus-node-exporter') },
  ...debianBinary({ pin: 'prometheus-node-exporter', binaries: ['/usr/bin/prometheus-node-exporter'] }),
  runtime: {
    entrypoint: ['/usr/bin/prometheus-node-exporter'],
    cmd: ['--web.listen-address=:9100'],
    ports: [{ port: 9100, name: 'metrics' }],
    // No SIGTERM handler: as PID 1 the Go runtime exits 2 on SIGTERM, promptly and with nothing to flush.
    stopExitCodes: [2],
    healthcheck: http({ port: 9100, path: '/' }),
    metrics: { port: 9100 },
  },
})

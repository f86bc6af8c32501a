// images/redis-exporter: Prometheus exporter for Redis, from Debian's prometheus-redis-exporter.
// Point it at Redis with REDIS_ADDR (default redis://127.0.0.1:6379, i.e. run beside redis); serves /metrics on :9121.
import { debianBinary, debianPackage, http, image, upstream } from '../../lib/index.ts'

export default image({
  name: 'redis-exporter',
  version: (lock) => upstream(lock.pins['prometheus-redis-exporter']?.version ?? '0'),
  description: 'Prometheus exporter for Redis metrics',
  pins: { 'prometheus-redis-exporter': debianPackage('prometheus-redis-exporter') },
  ...debianBinary({ pin: 'prometheus-redis-exporter', binaries: ['/usr/bin/prometheus-redis-exporter'] }),
  runtime: {
    entrypoint: ['/usr/bin/prometheus-redis-exporter'],
    cmd: ['-web.listen-address', ':9121'],
    // Beside redis in its network namespace (a pod, or docker --network container:redis).
    env: { REDIS_ADDR: 'redis://127.0.0.1:6379' },
    ports: [{ port: 9121, name: 'metrics' }],
    // No SIGTERM handler: as PID 1 the Go runtime exits 2 on SIGTERM, promptly and with nothing to flush.
    stopExitCodes: [2],
    healthcheck: http({ port: 9121, path: '/health' }),
    metrics: { port: 9121 },
  },
})

// images/prometheus: the Prometheus server from Debian's prometheus package; data in /prometheus.
import { debianBinary, debianPackage, http, image, upstream } from '../../lib/index.ts'

export default image({
  name: 'prometheus',
  version: (lock) => upstream(lock.pins.prometheus?.version ?? '0'),
  description: 'Prometheus monitoring server and time-series database',
  pins: { prometheus: debianPackage('prometheus') },
  ...debianBinary({
    pin: 'prometheus',
    // promtool (48 MB) stays out: check configs with the prometheus package on the host, or a sibling image.
    binaries: ['/usr/bin/prometheus'],
    steps: [{ copy: { src: ['files/prometheus.yml'], dest: '/etc/prometheus/prometheus.yml' } }],
    copy: [{ from: 'build', src: '/etc/prometheus/prometheus.yml', dest: '/etc/prometheus/prometheus.yml' }],
  }),
  runtime: {
    entrypoint: ['/usr/bin/prometheus'],
    cmd: [
      '--config.file=/etc/prometheus/prometheus.yml',
      '--storage.tsdb.path=/prometheus',
      '--web.listen-address=:9090',
    ],
    workdir: '/prometheus',
    ports: [{ port: 9090, name: 'http' }],
    volumes: ['/prometheus'],
    stopSignal: 'SIGTERM',
    stopTimeout: 30,
    healthcheck: http({ port: 9090, path: '/-/healthy' }),
    metrics: { port: 9090 },
  },
})

// images/registry: the CNCF Distribution registry from Debian's docker-registry package (a Go binary
// linked only to libc), on base/runtime. Serves :5000, metrics and health on the debug server :5001.
import debian from '../../base/debian/recipe.ts'
import runtime from '../../base/runtime/recipe.ts'
import { debianPackage, http, image, unpackDeb, upstream } from '../../lib/index.ts'

export default image({
  name: 'registry',
  version: (lock) => upstream(lock.pins['docker-registry']?.version ?? '0'),
  description: 'CNCF Distribution container registry, non-root and read-only, with Prometheus metrics',
  pins: { 'docker-registry': debianPackage('docker-registry') },
  stages: [
    {
      name: 'build',
      from: debian,
      sources: ['docker-registry'],
      steps: [
        unpackDeb('docker-registry'),
        { copy: { src: ['files/config.yml'], dest: '/etc/registry/config.yml' } },
      ],
    },
  ],
  final: {
    from: runtime,
    closure: { from: 'build', binaries: ['/usr/bin/docker-registry'] },
    copy: [{ from: 'build', src: '/etc/registry/config.yml', dest: '/etc/registry/config.yml' }],
  },
  runtime: {
    entrypoint: ['/usr/bin/docker-registry'],
    cmd: ['serve', '/etc/registry/config.yml'],
    ports: [{ port: 5000, name: 'registry' }],
    volumes: ['/var/lib/registry'],
    stopSignal: 'SIGTERM',
    healthcheck: http({ port: 5001, path: '/debug/health', interval: '5s', startPeriod: '2s' }),
    metrics: { port: 5001, path: '/metrics' },
  },
})

// Fixture: an image layered on app1 (the bottom of the diamond), with an npm input and an exporter.
import { npm } from '../../../../pin.ts'
import { expect, image, run } from '../../../../recipe.ts'
import toolchain from '../../base/toolchain/recipe.ts'
import app1 from '../app1/recipe.ts'

export default image({
  name: 'app2',
  version: '2.0.1',
  description: 'fixture service two',
  pins: { plugin: npm('app2-plugin', '^2') },
  stages: [
    {
      name: 'plugin',
      from: toolchain,
      sources: ['plugin'],
      steps: [run('tar', '-xzf', '/src/plugin/app2-plugin-2.0.1.tgz', '-C', '/opt')],
    },
  ],
  final: { from: app1, copy: [{ from: 'plugin', src: '/opt/package', dest: '/usr/local/lib/app2' }] },
  runtime: {
    user: { uid: 10001, gid: 10001 },
    entrypoint: ['/usr/local/bin/app1'],
    cmd: ['--plugin', '/usr/local/lib/app2'],
    ports: [{ port: 7000 }, { port: 7001, protocol: 'udp', name: 'gossip' }],
    stopSignal: 'SIGTERM',
    healthcheck: expect(7000, 'PING\r\n', '+PONG'),
    metrics: { port: 9121, exporter: app1 },
  },
})

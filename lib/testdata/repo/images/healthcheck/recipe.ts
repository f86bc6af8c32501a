// Fixture: the static healthcheck helper; final images with a healthcheck copy it from here.
import { url } from '../../../../pin.ts'
import { image, run } from '../../../../recipe.ts'
import toolchain from '../../base/toolchain/recipe.ts'

export default image({
  name: 'healthcheck',
  version: '0.1.0',
  description: 'fixture healthcheck helper',
  pins: { src: url('helper source') },
  stages: [
    {
      name: 'build',
      from: toolchain,
      sources: ['src'],
      steps: [run('gcc-12', '-static', '-Os', '-o', '/healthcheck', '/src/src/healthcheck.c')],
    },
  ],
  final: { from: 'scratch', copy: [{ from: 'build', src: '/healthcheck', dest: '/healthcheck' }] },
  runtime: { entrypoint: ['/healthcheck'] },
  exemptions: {
    healthcheck: 'is the healthcheck helper itself',
    metrics: 'a one-shot probe, not a service',
  },
})

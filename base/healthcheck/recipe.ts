// The static healthcheck helper: one small C program, built with musl, copied by every final image that
// declares a healthcheck to /usr/local/bin/healthcheck (lib/render.ts). Its argv: lib/runtime.ts probeArgv.
import { image, run } from '../../lib/recipe.ts'

export default image({
  name: 'healthcheck',
  version: '1.0.0',
  description: 'Static probe (http, tcp, expect, exec) run by HEALTHCHECK in images without a shell',
  kind: 'base',
  // Everything it needs is in files/ and the toolchain image: nothing to pin here.
  pins: {},
  stages: [
    {
      name: 'build',
      from: 'toolchain',
      steps: [
        { copy: { src: ['files/healthcheck.c'], dest: '/src/' } },
        run(
          'musl-gcc',
          '-static',
          '-Os',
          '-Wall',
          '-Wextra',
          '-Werror',
          '-fno-asynchronous-unwind-tables',
          '-o',
          '/healthcheck',
          '/src/healthcheck.c',
        ),
        run('strip', '--strip-all', '/healthcheck'),
      ],
    },
  ],
  final: { from: 'scratch', copy: [{ from: 'build', src: '/healthcheck', dest: '/healthcheck' }] },
  runtime: { entrypoint: ['/healthcheck'], user: { uid: 65532, gid: 65532 } },
  exemptions: {
    healthcheck: 'it is the healthcheck helper itself',
    metrics: 'a build-time base holding one static binary; it never runs as a service',
  },
})

// base/debian: a minbase Debian system made by mmdebstrap from the configured mirror, every .deb pinned
// in lock.json. The build base for stages that compile or unpack things; never pushed, never a final image.
import { debianSystem, image } from '../../lib/index.ts'

export default image({
  name: 'debian',
  kind: 'base',
  description: 'Debian minbase root filesystem (mmdebstrap), every package pinned by sha256',
  // The newest Release date among the suites the system came from (YYYYMMDD).
  version: (lock) => lock.pins.system?.version ?? '0',
  pins: { system: debianSystem({ variant: 'minbase' }) },
  rootfs: 'system',
  stages: [],
  runtime: { entrypoint: ['/bin/bash'], user: { uid: 0, gid: 0 } },
  exemptions: {
    root: 'a build base: stages install and compile as root inside the builder; it is never pushed or run as a service',
    shell:
      'a build base: RUN steps of stages built on it need /bin/sh and bash; final images never include it',
  },
})

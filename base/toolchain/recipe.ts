// base/toolchain: compilers and build tools for images built from source. A Debian minbase system
// (same suite and mirror as base/debian) with the build packages included; every .deb is in the lock.
import { debianSystem, image } from '../../lib/index.ts'

export const TOOLCHAIN_PACKAGES = [
  'build-essential',
  'musl-tools',
  'pkg-config',
  'ca-certificates',
  'libssl-dev',
  'libpcre2-dev',
  'zlib1g-dev',
  'xz-utils',
]

export default image({
  name: 'toolchain',
  kind: 'base',
  version: (lock) => lock.pins.system?.version ?? '0',
  description: 'Build stage base: gcc, make, musl-gcc and the -dev packages the image set compiles against',
  pins: { system: debianSystem({ variant: 'minbase', include: TOOLCHAIN_PACKAGES }) },
  stages: [],
  rootfs: 'system',
  runtime: { entrypoint: ['/bin/bash'], user: { uid: 0, gid: 0 } },
  exemptions: {
    root: 'a build stage base: steps install and compile as root; never a final image',
    shell: 'build steps need a shell; never a final image',
  },
})

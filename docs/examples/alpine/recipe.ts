// base/alpine: the Alpine minirootfs as a base, pinned by URL + sha256 in the lock. Copy this folder to
// base/alpine in a fork that can reach an Alpine mirror (config `alpine.mirror`, `alpine.branch`),
// then `pnpm refresh alpine`. It is an example here because this project's own machines cannot
// reach Alpine's hosts; test/alpine.engine.test.ts builds it from a fixture mirror on 127.0.0.1.
import { image, url } from '../../lib/index.ts'

export default image({
  name: 'alpine',
  kind: 'base',
  version: (lock) => lock.pins.rootfs?.version ?? '0',
  description: 'Alpine minirootfs, pinned by sha256, as a build or final base',
  pins: { rootfs: url('the alpine-minirootfs of config alpine.branch (latest-releases.yaml)') },
  stages: [],
  rootfs: 'rootfs',
  runtime: { entrypoint: ['/bin/sh'], user: { uid: 0, gid: 0 } },
  exemptions: {
    root: 'a base image: what is built on it sets its own user',
    shell: 'a base image: build steps need busybox sh',
  },
})

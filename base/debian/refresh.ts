// base/debian's resolvers: the system pin is re-solved by running mmdebstrap against the mirror.
import type { Config } from '../../lib/config.ts'
import { lockDebianSystem } from '../../lib/debian/system.ts'
import type { LockedDebianSystem, LockedPin } from '../../lib/pin.ts'

export default {
  system: async (ctx: { config: Config; root: string; current?: LockedPin }): Promise<LockedDebianSystem> =>
    lockDebianSystem(
      ctx.config,
      { variant: 'minbase' },
      // An unchanged package set keeps the current pin, so a new Release date alone does not move it.
      { root: ctx.root, ...(ctx.current?.kind === 'debian-system' ? { current: ctx.current } : {}) },
    ),
}

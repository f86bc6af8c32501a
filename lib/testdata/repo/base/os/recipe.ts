// Fixture: the root of the set, a Debian system made by mmdebstrap (no build stages).
import { debianSystem } from '../../../../pin.ts'
import { image } from '../../../../recipe.ts'

export default image({
  name: 'os',
  version: '12',
  description: 'fixture Debian base system',
  kind: 'base',
  pins: { system: debianSystem({ variant: 'minbase', include: ['ca-certificates'] }) },
  stages: [],
  rootfs: 'system',
  runtime: { entrypoint: ['/bin/sh'] },
})

// Write base/debian/lock.json by solving the minbase system once (what `pnpm refresh debian` does,
// without the refresh framework): `pnpm exec tsx scripts/lock-debian.ts`.
import { join } from 'node:path'
import refresh from '../base/debian/refresh.ts'
import { loadConfig } from '../lib/config.ts'
import { readLock, writeLock } from '../lib/lock.ts'

const root = join(import.meta.dirname, '..')
const path = join(root, 'base/debian/lock.json')
const config = await loadConfig(root)
const current = (await readLock(path, 'debian')).pins.system
const system = await refresh.system({ config, root, ...(current ? { current } : {}) })
await writeLock(path, { image: 'debian', pins: { system } })
console.log(`base/debian/lock.json: system ${system.version} (${system.packages.length} packages)`)

// The newest minirootfs of the configured branch, with the sha256 Alpine publishes beside it.
import { alpineMinirootfs, defineRefresh } from '../../lib/refresh/index.ts'

export default defineRefresh({ rootfs: (ctx) => alpineMinirootfs(ctx) })

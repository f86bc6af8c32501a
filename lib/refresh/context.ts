// What a pin's resolver receives (RefreshContext) and what an image's refresh.ts exports.
// Resolvers only look up and download; run.ts decides what gets written.
import type { Config } from '../config.ts'
import type { LockedPin, PinSpec } from '../pin.ts'
import type { Store } from '../store.ts'

export interface RefreshContext {
  config: Config
  /** Repository root (absolute). */
  root: string
  store: Store
  /** The pin as lock.json holds it now; undefined for a new pin. */
  current?: LockedPin
  /** Image name. */
  image: string
  /** Image folder relative to root, e.g. `images/redis`. */
  dir: string
  /** Pin name within the recipe. */
  pin: string
  /** What the recipe declares for this pin. */
  spec: PinSpec
  /** `--accept-changed`: re-pin a file that changed upstream under an unchanged version. */
  acceptChanged: boolean
  /** Attach text (release notes, changelog) quoted in the commit body when this pin changes. */
  note(text: string): void
  /**
   * Write `data` to `<image dir>/<path>` if and when this image's refresh is applied (never in --check,
   * never when another pin of the image failed): how vendored files get committed.
   */
  stageFile(path: string, data: Uint8Array): void
}

export type Resolver = (ctx: RefreshContext) => Promise<LockedPin>

/** The default export of `images/<name>/refresh.ts`: a resolver per pin that needs one. */
export type RefreshModule = Record<string, Resolver>

/**
 * Declare an image's resolvers (identity: gives types). Pins of kinds debian-source, debian-package,
 * debian-system, npm, git and image resolve from the recipe alone; only `url` pins need an entry.
 * @example export default defineRefresh({ alpine: (ctx) => alpineMinirootfs(ctx) })
 */
export function defineRefresh<T extends RefreshModule>(resolvers: T): T {
  return resolvers
}

/**
 * The publication date to record: the source's own when it has one; else, while the version is
 * unchanged, the date already locked (so SOURCE_DATE_EPOCH does not move); else now.
 */
export function dateFor(ctx: Pick<RefreshContext, 'current'>, version: string, published?: number): number {
  if (published !== undefined && Number.isFinite(published) && published > 0) return published
  if (ctx.current && ctx.current.version === version) return ctx.current.date
  return Math.floor(Date.now() / 1000)
}

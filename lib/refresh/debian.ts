// Debian pins for refresh: thin wrappers over lib/debian (indexes of the configured mirror), so a
// refresh.ts reads `debianSource(ctx, 'redis')` and the default resolvers share the same code.
import { resolveDebianPackage, resolveDebianSource } from '../debian/index.ts'
import type { LockedDebianPackage, LockedDebianSource, LockedDebianSystem, PinSpec } from '../pin.ts'
import type { RefreshContext } from './context.ts'

/**
 * The newest version of a Debian source package (suite, -updates, -security).
 * @example redis: (ctx) => debianSource(ctx, 'redis')
 */
export function debianSource(
  ctx: RefreshContext,
  name: string,
  opts: { suite?: string; files?: 'orig' | 'all' } = {},
): Promise<LockedDebianSource> {
  return resolveDebianSource(ctx.config, { name, ...opts }, { root: ctx.root })
}

/**
 * The newest .deb of a Debian binary package.
 * @example tzdata: (ctx) => debianPackage(ctx, 'tzdata')
 */
export function debianPackage(
  ctx: RefreshContext,
  name: string,
  opts: { suite?: string; arch?: string } = {},
): Promise<LockedDebianPackage> {
  return resolveDebianPackage(ctx.config, { name, ...opts }, { root: ctx.root })
}

/**
 * A whole Debian system (mmdebstrap's package set), every .deb pinned.
 * @example system: (ctx) => debianSystem(ctx, { variant: 'minbase' })
 */
export async function debianSystem(
  ctx: RefreshContext,
  spec: Omit<Extract<PinSpec, { kind: 'debian-system' }>, 'kind'> = {},
): Promise<LockedDebianSystem> {
  // Loaded on use: solving a system is heavy and most images never need it.
  const { lockDebianSystem } = await import('../debian/system.ts')
  return lockDebianSystem(ctx.config, spec, {
    root: ctx.root,
    ...(ctx.current?.kind === 'debian-system' ? { current: ctx.current } : {}),
  })
}

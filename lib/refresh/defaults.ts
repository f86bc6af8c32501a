// Resolvers derived from a recipe's PinSpec, used for every pin its refresh.ts does not name. Only
// `url` pins have none: where a file lives upstream is the one thing a recipe cannot say by itself.
import type { PinSpec } from '../pin.ts'
import type { Resolver } from './context.ts'
import { debianPackage, debianSource, debianSystem } from './debian.ts'
import { gitRef, gitTag } from './github.ts'
import { npmPackage } from './npm.ts'
import { registryImage } from './registry.ts'

export function defaultResolver(spec: PinSpec): Resolver | undefined {
  switch (spec.kind) {
    case 'debian-source':
      return (ctx) =>
        debianSource(ctx, spec.name, {
          ...(spec.suite ? { suite: spec.suite } : {}),
          ...(spec.files ? { files: spec.files } : {}),
        })
    case 'debian-package':
      return (ctx) =>
        debianPackage(ctx, spec.name, {
          ...(spec.suite ? { suite: spec.suite } : {}),
          ...(spec.arch ? { arch: spec.arch } : {}),
        })
    case 'debian-system': {
      const { kind: _kind, ...rest } = spec
      return (ctx) => debianSystem(ctx, rest)
    }
    case 'npm':
      return (ctx) => npmPackage(ctx, spec.name, spec.range ?? '*')
    case 'git':
      // A named ref follows that ref; no ref follows the newest release tag.
      return (ctx) => (spec.ref ? gitRef(ctx, spec.repo, spec.ref) : gitTag(ctx, spec.repo))
    case 'image':
      return (ctx) => registryImage(ctx, spec.ref)
    case 'url':
      return undefined
  }
}

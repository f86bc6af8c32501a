// Template: a final image made of binaries from one pinned Debian binary package.
//
// Expects:
//   pin       name of a `debianPackage(...)` pin of the recipe (its .deb is unpacked at / in the stage)
//   binaries  absolute paths of the package's programs to ship; their ELF closure comes along
//   copy      extra files, from the stage or the image folder's files/ (default: none)
//   steps     extra steps after unpacking, e.g. copying files/ into place (default: none)
//   build     the build stage's base image (default: 'debian', base/debian)
//   base      the final image's base (default: 'runtime', base/runtime)
import type { Final, FinalCopy, ImageRef, Stage, Step } from './recipe.ts'
import { run } from './recipe.ts'

export interface DebianBinaryOptions {
  pin: string
  binaries: string[]
  copy?: FinalCopy[]
  steps?: Step[]
  build?: ImageRef
  base?: ImageRef
}

/**
 * Unpack a pinned .deb at / of a build stage. `--keep-directory-symlink` keeps usrmerge's /bin, /lib
 * symlinks: a plain `dpkg-deb -x` would replace /lib with the package's directory and break the stage.
 */
export function unpackDeb(pin: string): Step {
  return run(
    '/bin/sh',
    '-c',
    `for f in /src/${pin}/*.deb; do dpkg-deb --fsys-tarfile "$f" | tar -x --keep-directory-symlink -C /; done`,
  )
}

/** Stages and final root for a recipe shipping binaries of a Debian package. */
export function debianBinary(o: DebianBinaryOptions): { stages: Stage[]; final: Final } {
  return {
    stages: [
      {
        name: 'build',
        from: o.build ?? 'debian',
        sources: [o.pin],
        steps: [unpackDeb(o.pin), ...(o.steps ?? [])],
      },
    ],
    final: {
      from: o.base ?? 'runtime',
      closure: { from: 'build', binaries: o.binaries },
      ...(o.copy?.length ? { copy: o.copy } : {}),
    },
  }
}

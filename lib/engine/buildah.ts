// buildah, daemonless: `buildah build` with OCI isolation and overlay storage (vfs copies the whole
// root filesystem per layer). Parents enter its storage from our OCI layouts.
import { exec } from '../exec.ts'
import type { BuildRequest, Engine } from './engine.ts'

const BUILDAH = process.env.ATELIER_BUILDAH ?? '/usr/bin/buildah'
const COMMON = ['--storage-driver', 'overlay']
const STORAGE = '/var/lib/containers/storage+/run/containers/storage'

/** buildah resolves short names like `atelier/x:tag` against docker.io; store them qualified. */
function qualify(ref: string): string {
  return ref.split('/')[0]!.includes('.') || ref.split('/')[0]!.includes(':') ? ref : `docker.io/${ref}`
}

export class BuildahEngine implements Engine {
  readonly kind = 'buildah' as const

  async build(req: BuildRequest): Promise<void> {
    await exec(
      [
        BUILDAH,
        ...COMMON,
        'build',
        // oci (runc) isolation: chroot isolation cannot take a network namespace, so no --network none.
        '--isolation',
        'oci',
        '--pull-never',
        `--platform=${req.platform}`,
        ...(req.network ? [] : ['--network', 'none']),
        ...(req.noCache ? ['--no-cache'] : ['--layers']),
        '--target',
        req.target,
        '--output',
        `type=tar,dest=${req.outTar}`,
        req.context,
      ],
      {
        logFile: req.logFile,
        hint: `see the build log ${req.logFile}`,
        ...(req.verbose ? { tee: process.stderr } : {}),
      },
    )
  }

  async load(layoutDir: string, refs: string[], logFile?: string): Promise<void> {
    const opts = logFile ? { logFile } : {}
    // skopeo names the image itself (`buildah pull oci:` would derive a name from the folder's path).
    const [first, ...rest] = refs.map(qualify)
    await exec(
      ['skopeo', 'copy', '-q', `oci:${layoutDir}`, `containers-storage:[overlay@${STORAGE}]${first}`],
      opts,
    )
    for (const r of rest) await exec([BUILDAH, ...COMMON, 'tag', first!, r], opts)
  }

  async has(ref: string): Promise<boolean> {
    try {
      await exec([BUILDAH, ...COMMON, 'inspect', '--type', 'image', qualify(ref)])
      return true
    } catch {
      return false
    }
  }
}

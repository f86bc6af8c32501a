// buildah, daemonless: `buildah build` with chroot isolation and overlay storage (vfs copies the whole
// root filesystem per layer). Parents enter its storage from our OCI layouts.
import { exec } from '../exec.ts'
import type { BuildRequest, Engine } from './engine.ts'

const BUILDAH = process.env.ATELIER_BUILDAH ?? '/usr/bin/buildah'
const COMMON = ['--storage-driver', 'overlay']

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
        '--isolation',
        'chroot',
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
      { logFile: req.logFile, hint: `see the build log ${req.logFile}` },
    )
  }

  async load(layoutDir: string, refs: string[], logFile?: string): Promise<void> {
    const opts = logFile ? { logFile } : {}
    const id = (await exec([BUILDAH, ...COMMON, 'pull', '-q', `oci:${layoutDir}`], { ...opts, capture: true })).trim().split('\n').pop()!
    for (const r of refs) await exec([BUILDAH, ...COMMON, 'tag', id, qualify(r)], opts)
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

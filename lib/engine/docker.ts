// BuildKit through a Docker engine (local socket or DOCKER_HOST). Uses Debian's 20.10 client at
// /usr/bin/docker: the Docker 28 CLI found first on PATH here refuses BuildKit builds without buildx.

import { spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { CommandError } from '../errors.ts'
import { exec } from '../exec.ts'
import type { BuildRequest, Engine } from './engine.ts'

export const DOCKER = process.env.ATELIER_DOCKER ?? '/usr/bin/docker'

export class DockerEngine implements Engine {
  readonly kind = 'docker' as const
  constructor(private readonly host = '') {}

  private env(extra: Record<string, string> = {}): Record<string, string | undefined> {
    return { DOCKER_BUILDKIT: '1', ...(this.host ? { DOCKER_HOST: this.host } : {}), ...extra }
  }

  async build(req: BuildRequest): Promise<void> {
    await exec(
      [
        DOCKER,
        'build',
        '--progress=plain',
        `--platform=${req.platform}`,
        `--network=${req.network ? 'default' : 'none'}`,
        ...(req.noCache ? ['--no-cache'] : []),
        '--target',
        req.target,
        '-o',
        `type=tar,dest=${req.outTar}`,
        req.context,
      ],
      {
        env: this.env(),
        logFile: req.logFile,
        hint: `see the build log ${req.logFile}`,
        ...(req.verbose ? { tee: process.stderr } : {}),
      },
    )
  }

  async load(layoutDir: string, refs: string[], logFile?: string): Promise<void> {
    const { writeDockerArchive } = await import('../oci/docker-archive.ts')
    const tar = `${layoutDir}.docker.tar`
    await writeDockerArchive(layoutDir, tar, refs)
    await new Promise<void>((resolve, reject) => {
      const child = spawn(DOCKER, ['load', '-q'], {
        env: { ...process.env, ...this.env() },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let err = ''
      child.stderr.on('data', (b: Buffer) => (err += b.toString()))
      child.stdout.on('data', () => {})
      createReadStream(tar).pipe(child.stdin)
      child.on('error', reject)
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new CommandError([DOCKER, 'load'], code, err.trim(), logFile)),
      )
    })
    const { rm } = await import('node:fs/promises')
    await rm(tar, { force: true })
  }

  async has(ref: string): Promise<boolean> {
    try {
      await exec([DOCKER, 'image', 'inspect', '--format', '{{.Id}}', ref], { env: this.env() })
      return true
    } catch {
      return false
    }
  }
}

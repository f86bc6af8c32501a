// The packer's output checked by independent tools (umoci, skopeo) and by the Docker engine itself:
// a busybox image loaded with loadIntoDocker runs, and docker inspect shows its User and Healthcheck.
import { execFile } from 'node:child_process'
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIntoDocker, writeDockerArchive } from './docker-archive.ts'
import { writeImage } from './image.ts'
import { layerFromTar } from './layer.ts'
import { buildGolden } from './regen-golden.ts'

const run = promisify(execFile)
const DOCKER = '/usr/bin/docker'
const TAG = `atelier-test/busybox:${process.pid}`

describe('OCI layout and docker archive', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-archive-test-'))
    await buildGolden(dir)
  })
  afterAll(async () => {
    await run(DOCKER, ['rmi', '-f', TAG]).catch(() => undefined)
    await rm(dir, { recursive: true, force: true })
  })

  it('passes umoci stat and skopeo inspect/copy', async () => {
    const { stdout } = await run('umoci', ['stat', '--image', `${join(dir, 'app')}:1.2.3`])
    expect(stdout).toContain('atelier app 1.2.3')
    expect(stdout).toContain('atelier base/runtime 1')
    const inspect = JSON.parse((await run('skopeo', ['inspect', `oci:${join(dir, 'app')}:1.2.3`])).stdout)
    expect(inspect.Layers).toHaveLength(2)
    expect(inspect.Created).toBe('2023-11-14T22:13:20Z')
    await run('skopeo', [
      'copy',
      `oci:${join(dir, 'app')}:1.2.3`,
      `docker-archive:${join(dir, 'skopeo.tar')}:atelier-test/app:1`,
    ])
  })

  it('writes the same archive twice', async () => {
    await writeDockerArchive(join(dir, 'app'), join(dir, 'a1.tar'), ['atelier-test/app:1'])
    await writeDockerArchive(join(dir, 'app'), join(dir, 'a2.tar'), ['atelier-test/app:1'])
    expect(await readFile(join(dir, 'a1.tar'))).toEqual(await readFile(join(dir, 'a2.tar')))
  })

  it('loads into docker with image ID = config digest, runs, and keeps User and Healthcheck', async () => {
    const root = join(dir, 'bb')
    const { mkdir } = await import('node:fs/promises')
    await mkdir(join(root, 'bin'), { recursive: true })
    await copyFile('/bin/busybox', join(root, 'bin', 'busybox'))
    await run('tar', ['-C', root, '--owner=0', '--group=0', '-cf', join(dir, 'bb.tar'), '.'])
    const layer = await layerFromTar(join(dir, 'bb.tar'), join(dir, 'bbimg', 'blobs'), {
      epoch: 1_700_000_000,
    })
    const img = await writeImage(join(dir, 'bbimg'), {
      layer,
      config: {
        User: '65534:65534',
        Entrypoint: ['/bin/busybox'],
        Cmd: ['sh', '-c', 'echo hello from $(id -u)'],
        Healthcheck: { Test: ['CMD', '/bin/busybox', 'true'], Interval: 1_000_000_000, Retries: 2 },
      },
      epoch: 1_700_000_000,
      platform: 'linux/amd64',
      history: 'atelier busybox test',
      refName: 'test',
    })
    const id = await loadIntoDocker(join(dir, 'bbimg'), [TAG], DOCKER)
    expect(id).toBe(img.configDigest)
    const out = await run(DOCKER, ['run', '--rm', '--read-only', '--cap-drop', 'ALL', TAG])
    expect(out.stdout.trim()).toBe('hello from 65534')
    const [info] = JSON.parse((await run(DOCKER, ['inspect', TAG])).stdout)
    expect(info.Id).toBe(img.configDigest)
    expect(info.Config.User).toBe('65534:65534')
    expect(info.Config.Healthcheck).toEqual({
      Test: ['CMD', '/bin/busybox', 'true'],
      Interval: 1_000_000_000,
      Retries: 2,
    })
    expect(info.Created).toBe('2023-11-14T22:13:20Z')
  })

  it('packs two BuildKit exports of the same stage, made at different times, to the same layer', async () => {
    const { mkdir, utimes, writeFile } = await import('node:fs/promises')
    const ctx = join(dir, 'ctx')
    await mkdir(ctx, { recursive: true })
    await copyFile('/bin/busybox', join(ctx, 'busybox'))
    await writeFile(
      join(ctx, 'Dockerfile'),
      'FROM scratch AS app\nCOPY --chown=65532:65532 busybox /usr/local/bin/busybox\n',
    )
    const digests: string[] = []
    const tars: Buffer[] = []
    for (const [i, when] of [new Date('2024-01-01T00:00:00Z'), new Date('2025-06-01T12:34:56Z')].entries()) {
      await utimes(join(ctx, 'busybox'), when, when)
      const out = join(dir, `bk${i}.tar`)
      await run(DOCKER, ['build', '-q', '--no-cache', '--target', 'app', '-o', `type=tar,dest=${out}`, ctx], {
        env: { ...process.env, DOCKER_BUILDKIT: '1' },
      })
      tars.push(await readFile(out))
      digests.push((await layerFromTar(out, join(dir, `bk${i}`, 'blobs'), { epoch: 1_700_000_000 })).digest)
    }
    expect(tars[0]).not.toEqual(tars[1])
    expect(digests[1]).toBe(digests[0])
  })
})

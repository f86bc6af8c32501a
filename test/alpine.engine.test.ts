// base/alpine from a fixture Alpine mirror on 127.0.0.1 (Alpine's hosts are unreachable here):
// refresh pins the minirootfs by the sha256 of latest-releases.yaml, build packs it as a base, and an
// image built on it runs under docker. The recipe is the shipped example, docs/examples/alpine.
import { execFileSync } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBuild } from '../lib/build.ts'
import { sha256hex } from '../lib/canonical.ts'
import { memoryLogger } from '../lib/log.ts'
import { runRefresh } from '../lib/refresh/run.ts'
import { openRepo } from '../lib/repo.ts'
import { ROOT, tempRepo } from './repo.ts'

/** A minirootfs: static busybox as /bin/sh and /bin/cat, and alpine-release. */
async function minirootfs(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-minirootfs-'))
  execFileSync(
    '/bin/sh',
    [
      '-c',
      'mkdir -p bin etc tmp && cp /bin/busybox bin/ && for l in sh cat mkdir echo; do ln -s busybox bin/$l; done && echo 3.20.3 > etc/alpine-release',
    ],
    { cwd: dir },
  )
  execFileSync('tar', ['-C', dir, '-czf', `${dir}.tar.gz`, '.'])
  const out = await readFile(`${dir}.tar.gz`)
  await rm(dir, { recursive: true, force: true })
  await rm(`${dir}.tar.gz`, { force: true })
  return out
}

const app = `import alpine from '../../base/alpine/recipe.ts'
import { image, run } from '../../lib/index.ts'
export default image({
  name: 'hello-alpine',
  version: '1',
  description: 'an image built on base/alpine (engine test fixture)',
  pins: {},
  stages: [{ name: 'build', from: alpine, steps: [run('/bin/sh', '-c', 'mkdir -p /out && echo hello from alpine > /out/msg')] }],
  final: { from: alpine, copy: [{ from: 'build', src: '/out/msg', dest: '/msg' }] },
  runtime: { entrypoint: ['/bin/cat'], cmd: ['/msg'] },
  exemptions: { shell: 'the alpine base carries busybox', healthcheck: 'one-shot fixture', metrics: 'one-shot fixture' },
})
`

describe('base/alpine from a 127.0.0.1 mirror', () => {
  let server: Server
  let root: string
  let rootfs: Buffer
  beforeAll(async () => {
    rootfs = await minirootfs()
    const yaml = `---
-
  branch: v3.20
  arch: x86_64
  version: 3.20.3
  flavor: alpine-minirootfs
  file: alpine-minirootfs-3.20.3-x86_64.tar.gz
  date: 2024-09-06
  size: ${rootfs.length}
  sha256: ${sha256hex(rootfs)}
`
    server = createServer((req, res) => {
      if (req.url === '/alpine/v3.20/releases/x86_64/latest-releases.yaml') res.end(yaml)
      else if (req.url === '/alpine/v3.20/releases/x86_64/alpine-minirootfs-3.20.3-x86_64.tar.gz')
        res.end(rootfs)
      else res.writeHead(404).end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    // The same image without its shell exemption: the build stops on the runtime contract.
    const noExemption = app
      .replace("name: 'hello-alpine'", "name: 'shell-alpine'")
      .replace("shell: 'the alpine base carries busybox', ", '')
    root = await tempRepo([], {
      'hello-alpine': { 'recipe.ts': app, 'refresh.ts': 'export default {}\n' },
      'shell-alpine': { 'recipe.ts': noExemption, 'refresh.ts': 'export default {}\n' },
    })
    await cp(join(ROOT, 'docs/examples/alpine'), join(root, 'base/alpine'), { recursive: true })
    for (const f of ['recipe.ts', 'refresh.ts']) {
      const p = join(root, 'base/alpine', f)
      await writeFile(p, (await readFile(p, 'utf8')).replaceAll(`'../../lib/`, `'${ROOT}/lib/`))
    }
    await writeFile(
      join(root, 'config/site.cue'),
      `alpine: { mirror: "http://127.0.0.1:${port}/alpine", branch: "v3.20" }\nstoreDir: "${root}/.store"\n`,
    )
  })
  afterAll(async () => {
    server.close()
    await rm(root, { recursive: true, force: true })
  })

  it('pins the minirootfs by sha256, packs it, and an image built on it runs', async () => {
    const r = await runRefresh(root, { images: ['alpine', 'hello-alpine', 'shell-alpine'] })
    expect(r.problems).toEqual([])
    const lock = JSON.parse(await readFile(join(root, 'base/alpine/lock.json'), 'utf8'))
    expect(lock.pins.rootfs.files[0].sha256).toBe(sha256hex(rootfs))
    const repo = await openRepo(root)
    const log = memoryLogger()
    const code = await runBuild(repo, ['alpine', 'hello-alpine'], {
      force: false,
      push: false,
      restartRegistry: false,
      json: false,
      quiet: true,
      logger: log,
      buildDir: join(root, 'build'),
    })
    expect(code, JSON.stringify(log.events.filter((e) => e.kind === 'failed'))).toBe(0)
    expect(
      execFileSync(
        '/usr/bin/docker',
        ['run', '--rm', '--read-only', '--cap-drop', 'ALL', repo.plans['hello-alpine']!.ref],
        { encoding: 'utf8' },
      ),
    ).toBe('hello from alpine\n')
    // Layer sharing: the app image is the alpine layer, unchanged, plus one layer.
    const alpine = JSON.parse(await readFile(join(root, 'build/oci/alpine/atelier.json'), 'utf8'))
    expect(alpine.key).toBe(repo.plans.alpine!.key)
  })

  it('refuses to pack a final image that ships a shell without saying why', async () => {
    const repo = await openRepo(root)
    const log = memoryLogger()
    const code = await runBuild(repo, ['alpine', 'shell-alpine'], {
      force: false,
      push: false,
      restartRegistry: false,
      json: false,
      quiet: true,
      logger: log,
      buildDir: join(root, 'build'),
    })
    expect(code).toBe(1)
    const failed = log.events.find((e) => e.kind === 'failed' && e.image === 'shell-alpine')
    expect(failed && 'error' in failed ? failed.error : '').toMatch(
      /\[E_STRUCTURE\] shell-alpine breaks the runtime contract:\n {2}shell: .*\/bin\/(sh|busybox)/,
    )
    expect(log.events.some((e) => e.kind === 'built' && e.image === 'shell-alpine')).toBe(false)
  })
})

// `pnpm verify` against a real engine: a real image of the set rebuilds to the same digest, and a recipe
// whose build step writes the clock into the image is caught, with diffoscope naming the file.
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildImage, buildPaths, runBuild } from './build.ts'
import { engineFor } from './engine/index.ts'
import { EXIT } from './errors.ts'
import { memoryLogger } from './log.ts'
import { openRepo, type Repo } from './repo.ts'
import { Store } from './store.ts'
import { verifyImage } from './verify.ts'

const ROOT = join(import.meta.dirname, '..')
const LIB = import.meta.dirname
const quiet = { force: false, push: false, restartRegistry: false, json: false, quiet: true } as const

let real: Repo
let tmp = ''

beforeAll(async () => {
  real = await openRepo(ROOT, { skipPolicy: true })
  // The first builds verify compares against (cached when build/ already holds them).
  const logger = memoryLogger()
  const code = await runBuild(real, ['redis-exporter'], { ...quiet, logger })
  expect(code, JSON.stringify(logger.events.filter((e) => e.kind === 'failed'))).toBe(EXIT.ok)
  tmp = await mkdtemp(join(tmpdir(), 'atelier-verify-test-'))
})
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

describe('verifyImage', () => {
  it('reproduces a real image of the set bit for bit', async () => {
    const r = await verifyImage(real, 'redis-exporter', memoryLogger())
    expect(r.first).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(r.second).toBe(r.first)
    expect(r.reproduced).toBe(true)
    expect(r.diff).toBeUndefined()
  })

  it('catches a build step that writes the clock, and diffoscope names the file', async () => {
    // A repository of two images: the real base/debian (same plan, so the same engine image and layout)
    // and `stamp`, whose only file is the time its build step ran.
    await cp(join(ROOT, 'config'), join(tmp, 'config'), { recursive: true })
    await mkdir(join(tmp, 'base/debian'), { recursive: true })
    await cp(join(ROOT, 'base/debian/lock.json'), join(tmp, 'base/debian/lock.json'))
    const debian = await readFile(join(ROOT, 'base/debian/recipe.ts'), 'utf8')
    await writeFile(join(tmp, 'base/debian/recipe.ts'), debian.replaceAll(`'../../lib/`, `'${LIB}/`))
    await mkdir(join(tmp, 'images/stamp'), { recursive: true })
    await writeFile(
      join(tmp, 'images/stamp/recipe.ts'),
      `import { image, run } from '${LIB}/index.ts'
export default image({
  name: 'stamp',
  kind: 'base',
  version: '1',
  description: 'writes the build time into the image: never reproducible',
  pins: {},
  stages: [{ name: 'build', from: 'debian', steps: [run('/bin/sh', '-c', 'mkdir -p /out && date +%s%N > /out/stamp')] }],
  final: { from: 'scratch', copy: [{ from: 'build', src: '/out/stamp', dest: '/stamp' }] },
  runtime: { entrypoint: ['/stamp'] },
  exemptions: { healthcheck: 'a test fixture', metrics: 'a test fixture' },
})
`,
    )
    await writeFile(join(tmp, 'package.json'), '{ "type": "module" }\n')
    const repo = await openRepo(tmp, { skipPolicy: true })
    expect(repo.plans.debian!.key).toBe(real.plans.debian!.key)
    const paths = buildPaths(repo)
    await mkdir(join(paths.root, 'oci'), { recursive: true })
    await symlink(buildPaths(real).layout('debian'), paths.layout('debian'))

    const engine = engineFor(repo.config)
    const store = new Store(join(tmp, repo.config.storeDir))
    const first = await buildImage(repo, 'stamp', {
      engine,
      store,
      paths,
      logger: memoryLogger(),
      load: false,
    })
    const r = await verifyImage(repo, 'stamp', memoryLogger())
    expect(r.first).toBe(first.digest)
    expect(r.reproduced).toBe(false)
    expect(r.second).not.toBe(r.first)
    // A tree line of diffoscope's report naming the file inside the layer (paths above it name the image).
    expect(r.diff).toMatch(/── stamp$/m)
    expect(r.diff).toMatch(/^│ │ -\d+$/m)
  })
})

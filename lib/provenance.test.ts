// Provenance of fixture images: the in-toto statement's shape, every input with its digest, parents'
// digests only for the keys the plan names, the repository's commit and dirtiness, and no clock.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadImages } from './images.ts'
import { planAll } from './plan.ts'
import {
  BUILD_TYPE,
  gitState,
  parentBuilds,
  pinDescriptors,
  provenanceJson,
  provenanceOf,
  type ResourceDescriptor,
  SLSA_PROVENANCE_V1,
  STATEMENT_TYPE,
} from './provenance.ts'
import { CONTEXT } from './render.ts'
import type { SbomRepo } from './sbom.ts'
import { FIXTURE_ROOT, fixtureConfig } from './testdata/fixture.ts'

let repo: SbomRepo
const tmp = mkdtempSync(join(tmpdir(), 'atelier-provenance-'))
beforeAll(async () => {
  const [config, images] = await Promise.all([fixtureConfig(), loadImages(FIXTURE_ROOT)])
  repo = {
    config,
    images,
    plans: planAll({
      images,
      config,
      framework: 'test',
      assets: { [CONTEXT.closureScript]: '0'.repeat(64) },
    }),
  }
})
afterEach(() => {
  vi.useRealTimers()
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const DIGEST = `sha256:${'e'.repeat(64)}`
const byName = (deps: ResourceDescriptor[], name: string): ResourceDescriptor | undefined =>
  deps.find((d) => d.name === name)

describe('provenanceOf', () => {
  const statement = () =>
    provenanceOf(repo, 'app2', {
      subjectName: '127.0.0.1:5000/atelier/app2',
      digest: DIGEST,
      parents: {
        app1: { key: repo.plans.app1!.key, digest: `sha256:${'1'.repeat(64)}` },
        // A layout left from an older plan: its digest is not this build's input.
        toolchain: { key: 'f'.repeat(64), digest: `sha256:${'2'.repeat(64)}` },
      },
      git: { commit: 'c'.repeat(40), dirty: true },
      engine: 'docker',
    })

  it('is an in-toto v1 statement about the pushed manifest with a SLSA v1 predicate', () => {
    const s = statement()
    expect(s._type).toBe(STATEMENT_TYPE)
    expect(s.predicateType).toBe(SLSA_PROVENANCE_V1)
    expect(s.subject).toEqual([{ name: '127.0.0.1:5000/atelier/app2', digest: { sha256: 'e'.repeat(64) } }])
    const def = s.predicate.buildDefinition
    expect(def.buildType).toBe(BUILD_TYPE)
    expect(def.externalParameters).toEqual({
      image: 'app2',
      recipe: 'images/app2/recipe.ts',
      platform: 'linux/amd64',
      source: 'https://example.invalid/atelier',
    })
    expect(def.internalParameters).toMatchObject({
      cacheKey: repo.plans.app2!.key,
      framework: 'test',
      sourceDateEpoch: repo.plans.app2!.plan.epoch,
    })
    expect(s.predicate.runDetails.builder.id).toBe('urn:atelier:builder:docker')
  })

  it('resolves every input to a digest: pinned files, the repository commit, parents by the planned key', () => {
    const deps = statement().predicate.buildDefinition.resolvedDependencies
    expect(byName(deps, 'plugin/app2-plugin-2.0.1.tgz')).toMatchObject({
      uri: 'https://registry.npmjs.org/app2-plugin/-/app2-plugin-2.0.1.tgz',
      digest: { sha256: '8ec43ab3817ba9e1ad77b534a8fdf9d32db228378c57b5f637ed8dc4fcf2b461' },
    })
    expect(byName(deps, 'repository')).toEqual({
      name: 'repository',
      uri: `git+https://example.invalid/atelier@${'c'.repeat(40)}`,
      digest: { gitCommit: 'c'.repeat(40) },
      annotations: { dirty: true },
    })
    expect(byName(deps, 'image:app1')).toMatchObject({
      digest: { sha256: '1'.repeat(64) },
      annotations: { cacheKey: repo.plans.app1!.key },
    })
    expect(byName(deps, 'image:toolchain')?.digest).toBeUndefined()
    expect(byName(deps, 'image:toolchain')?.annotations).toEqual({ cacheKey: repo.plans.toolchain!.key })
    expect(byName(deps, 'image:healthcheck')?.uri).toBe(repo.plans.healthcheck!.ref)
    for (const d of deps) expect(d.uri ?? d.digest, d.name).toBeDefined()
  })

  it('lists a debian-system pin .deb by .deb and leaves git out when there is none', () => {
    const s = provenanceOf(repo, 'os', {
      subjectName: 'r/os',
      digest: DIGEST,
      parents: {},
      engine: 'buildah',
    })
    const deps = s.predicate.buildDefinition.resolvedDependencies
    expect(byName(deps, 'repository')).toBeUndefined()
    const debs = deps.filter((d) => d.name?.endsWith('.deb'))
    expect(debs.length).toBeGreaterThan(2)
    for (const d of debs) expect(d.digest?.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('takes a git pin by commit and an npm integrity as sha512', () => {
    const [g] = pinDescriptors(
      'src',
      {
        kind: 'git',
        repo: 'https://example.invalid/x.git',
        commit: 'a'.repeat(40),
        version: 'v1',
        date: 1,
        files: [],
      },
      repo,
    )
    expect(g).toEqual({
      name: 'src',
      uri: `git+https://example.invalid/x.git@${'a'.repeat(40)}`,
      digest: { gitCommit: 'a'.repeat(40) },
    })
    const integrity = `sha512-${Buffer.alloc(64, 1).toString('base64')}`
    const [n] = pinDescriptors(
      'lib',
      {
        kind: 'npm',
        name: 'x',
        version: '1.0.0',
        integrity,
        date: 1,
        files: [
          { name: 'x-1.0.0.tgz', url: 'https://registry.npmjs.org/x/-/x-1.0.0.tgz', sha256: 'a'.repeat(64) },
        ],
      },
      repo,
    )
    expect(n?.digest).toEqual({ sha256: 'a'.repeat(64), sha512: '01'.repeat(64) })
  })

  it('is the same bytes whatever the clock says', () => {
    const a = provenanceJson(statement())
    vi.useFakeTimers({ now: new Date('2040-05-05T00:00:00Z') })
    expect(provenanceJson(statement())).toBe(a)
    expect(a).not.toContain('2040')
  })
})

describe('gathering', () => {
  it('reads the commit and whether tracked files changed; nothing outside git', async () => {
    const dir = join(tmp, 'git')
    mkdirSync(dir)
    expect(await gitState(dir)).toBeUndefined()
    const git = (...a: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], {
        cwd: dir,
        encoding: 'utf8',
      }).trim()
    git('init', '-q')
    writeFileSync(join(dir, 'a'), '1')
    git('add', 'a')
    git('commit', '-q', '-m', 'a')
    const head = git('rev-parse', 'HEAD')
    expect(await gitState(dir)).toEqual({ commit: head, dirty: false })
    writeFileSync(join(dir, 'a'), '2')
    expect(await gitState(dir)).toEqual({ commit: head, dirty: true })
  })

  it('reads parents keys and digests from their layout markers, skipping absent ones', async () => {
    const layout = (n: string) => join(tmp, 'oci', n)
    mkdirSync(layout('app1'), { recursive: true })
    writeFileSync(
      join(layout('app1'), 'atelier.json'),
      JSON.stringify({ key: 'k1', digest: DIGEST, bytes: 1 }),
    )
    expect(await parentBuilds(['toolchain', 'app1'], layout)).toEqual({ app1: { key: 'k1', digest: DIGEST } })
  })
})

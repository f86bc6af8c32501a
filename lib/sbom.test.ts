// SBOMs from the fixture repository's plans: what counts as shipped or as a build input, SPDX 2.3
// structure, CycloneDX 1.6 against the official schema, purls, and byte-for-byte reproducibility.
import { Spec, Validation } from '@cyclonedx/cyclonedx-library'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadImages } from './images.ts'
import type { LockedPin } from './pin.ts'
import { planAll } from './plan.ts'
import { CONTEXT } from './render.ts'
import {
  cyclonedxJson,
  debPurl,
  npmPurl,
  pinPackages,
  renderSboms,
  type SbomRepo,
  type SpdxDocument,
  sbomModel,
  serialNumber,
  sha512OfIntegrity,
  spdxDocument,
} from './sbom.ts'
import { FIXTURE_ROOT, fixtureConfig } from './testdata/fixture.ts'

let repo: SbomRepo
beforeAll(async () => {
  const [config, images] = await Promise.all([fixtureConfig(), loadImages(FIXTURE_ROOT)])
  const plans = planAll({
    images,
    config,
    framework: 'test',
    assets: { [CONTEXT.closureScript]: '0'.repeat(64) },
  })
  repo = { config, images, plans }
})
afterEach(() => {
  vi.useRealTimers()
})

const refsOf = (name: string, scope: 'contained' | 'build'): string[] =>
  sbomModel(repo, name)
    .packages.filter((p) => p.scope === scope)
    .map((p) => p.ref)

describe('what an image contains and what built it', () => {
  it('counts the final base chain as shipped and build-stage bases as build inputs', () => {
    // app2 is FROM app1, which is FROM runtime; both build in toolchain; healthcheck is copied in.
    const contained = refsOf('app2', 'contained')
    const build = refsOf('app2', 'build')
    expect(contained).toContain(npmPurl('app2-plugin', '2.0.1'))
    expect(contained).toContain(debPurl('app1', '1.4.2-1~deb12u1', 'source', 'bookworm'))
    expect(contained).toContain(debPurl('tzdata', '2024a-0+deb12u1', 'all', 'bookworm'))
    expect(contained).toEqual(expect.arrayContaining(['image:app1', 'image:runtime', 'image:healthcheck']))
    // The toolchain is built on os, so os's packages are in the build stage too.
    expect(build).toContain('image:toolchain')
    expect(build).toContain('image:os')
    expect(build).toContain(debPurl('gcc-12', '12.2.0-14', 'amd64', 'bookworm'))
    expect(build).toContain(debPurl('libc6', '2.36-9+deb12u9', 'amd64', 'bookworm'))
    expect(contained).not.toContain('image:toolchain')
    // The healthcheck helper's url pin ships with it.
    expect(contained.some((r) => r.startsWith('pkg:generic/src@0.1.0?checksum=sha256:693e678f'))).toBe(true)
  })

  it('records how each direct parent is used, with its cache key', () => {
    const m = sbomModel(repo, 'app2')
    expect(m.image.parents).toEqual([
      { ref: 'image:app1', relation: 'base' },
      { ref: 'image:healthcheck', relation: 'copied' },
      { ref: 'image:toolchain', relation: 'build' },
    ])
    expect(m.packages.find((p) => p.ref === 'image:app1')?.cacheKey).toBe(repo.plans.app1!.key)
    expect(m.image.key).toBe(repo.plans.app2!.key)
    expect(m.namespace).toBe(`https://example.invalid/atelier/sbom/app2/${repo.plans.app2!.key}`)
  })

  it('lists every package of a Debian system pin with its .deb sha256 and pool URL', () => {
    const m = sbomModel(repo, 'os')
    const pin = repo.plans.os!.plan.pins.system as Extract<LockedPin, { kind: 'debian-system' }>
    expect(m.packages).toHaveLength(pin.packages.length)
    const first = pin.packages[0]!
    const p = m.packages.find((x) => x.name === first.name)!
    expect(p.sha256).toBe(first.sha256)
    expect(p.scope).toBe('contained')
    if (first.url)
      expect(p.downloadLocation).toMatch(/^http:\/\/deb\.debian\.org\/debian(-security)?\/pool\//)
  })
})

describe('pins as packages', () => {
  const cfg = () => repo
  it('takes the upstream tarball of a source package as its checksum and download location', () => {
    const pin = repo.plans.app1!.plan.pins.app1!
    const [p] = pinPackages('app1', pin, cfg())
    expect(p).toMatchObject({
      kind: 'deb-source',
      sha256: '6da09d104c0c6ba1556830dde5230fa1154cbf1208039f2a303ccdff736ed348',
      downloadLocation: 'http://deb.debian.org/debian/pool/main/a/app1/app1_1.4.2.orig.tar.gz',
    })
  })

  it('encodes Debian epochs and pluses in purls and names the release', () => {
    expect(debPurl('libstdc++6', '1:12.2.0-14+deb12u1', 'amd64', 'bookworm-security')).toBe(
      'pkg:deb/debian/libstdc%2B%2B6@1%3A12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12',
    )
    expect(npmPurl('@scope/pkg', '1.0.0')).toBe('pkg:npm/%40scope/pkg@1.0.0')
  })

  it('turns an npm integrity into a sha512 hex, and ignores what is not one', () => {
    const b64 = Buffer.alloc(64, 7).toString('base64')
    expect(sha512OfIntegrity(`sha512-${b64}`)).toBe('07'.repeat(64))
    expect(sha512OfIntegrity('sha512-abc')).toBeUndefined()
    expect(sha512OfIntegrity('sha1-xyz=')).toBeUndefined()
  })

  it('covers git commits, image digests and vendored files', () => {
    const git = pinPackages(
      'src',
      {
        kind: 'git',
        repo: 'https://example.invalid/x.git',
        commit: 'a'.repeat(40),
        version: 'v1',
        date: 1,
        files: [],
      },
      cfg(),
    )
    expect(git[0]).toMatchObject({
      kind: 'git',
      downloadLocation: `git+https://example.invalid/x.git@${'a'.repeat(40)}`,
    })
    const img = pinPackages(
      'busybox',
      {
        kind: 'image',
        ref: 'docker.io/library/busybox:1.36',
        digest: `sha256:${'b'.repeat(64)}`,
        version: '1.36',
        date: 1,
        files: [],
      },
      cfg(),
    )
    expect(img[0]).toMatchObject({
      sha256: 'b'.repeat(64),
      purl: `pkg:oci/busybox@sha256%3A${'b'.repeat(64)}?repository_url=docker.io/library/busybox`,
    })
    const url = pinPackages(
      'tool',
      {
        kind: 'url',
        version: '2',
        date: 1,
        files: [{ name: 't.tgz', url: 'https://example.invalid/t.tgz', sha256: 'c'.repeat(64) }],
        committed: [{ name: 'conf', url: 'https://example.invalid/conf', sha256: 'd'.repeat(64) }],
      },
      cfg(),
    )
    expect(url.map((p) => [p.name, p.sha256])).toEqual([
      ['tool/t.tgz', 'c'.repeat(64)],
      ['tool/conf', 'd'.repeat(64)],
    ])
  })
})

describe('SPDX 2.3', () => {
  const doc = (name: string): SpdxDocument => JSON.parse(renderSboms(repo, name).spdx) as SpdxDocument

  it('has the required document fields, from the plan and never the clock', () => {
    vi.useFakeTimers({ now: new Date('2031-01-01T00:00:00Z') })
    const d = doc('app1')
    expect(d).toMatchObject({
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'app1-1.4.2',
    })
    expect(d.creationInfo.created).toBe(
      new Date(repo.plans.app1!.plan.epoch * 1000).toISOString().replace('.000', ''),
    )
    expect(d.creationInfo.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(d.creationInfo.creators).toEqual(['Tool: atelier-test'])
    expect(d.documentNamespace).toContain(repo.plans.app1!.key)
  })

  it('gives every package a unique id, a download location and a purl, and relates only known ids', () => {
    for (const name of Object.keys(repo.plans)) {
      const d = doc(name)
      const ids = d.packages.map((p) => p.SPDXID)
      expect(new Set(ids).size, name).toBe(ids.length)
      for (const p of d.packages) {
        expect(p.SPDXID).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/)
        expect(p.downloadLocation).toBeTruthy()
        expect(p.filesAnalyzed).toBe(false)
        expect(
          p.externalRefs.some((r) => r.referenceType === 'purl' && r.referenceLocator.startsWith('pkg:')),
        ).toBe(true)
        for (const c of p.checksums ?? []) expect(c.checksumValue).toMatch(/^[0-9a-f]{64}([0-9a-f]{64})?$/)
      }
      const known = new Set([...ids, 'SPDXRef-DOCUMENT'])
      for (const r of d.relationships) {
        expect(known.has(r.spdxElementId), `${name}: ${r.spdxElementId}`).toBe(true)
        expect(known.has(r.relatedSpdxElement), `${name}: ${r.relatedSpdxElement}`).toBe(true)
      }
      expect(d.relationships[0]).toEqual({
        spdxElementId: 'SPDXRef-DOCUMENT',
        relationshipType: 'DESCRIBES',
        relatedSpdxElement: d.documentDescribes[0],
      })
    }
  })

  it('relates shipped packages by CONTAINS and build inputs by BUILD_DEPENDENCY_OF', () => {
    const d = doc('app1')
    const id = (pred: (p: SpdxDocument['packages'][number]) => boolean): string =>
      d.packages.find(pred)!.SPDXID
    const root = d.documentDescribes[0]!
    const tzdata = id((p) => p.name === 'tzdata')
    const gcc = id((p) => p.name === 'gcc-12')
    const rels = d.relationships.map(
      (r) => `${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`,
    )
    expect(rels).toContain(`${root} CONTAINS ${tzdata}`)
    expect(rels).toContain(`${gcc} BUILD_DEPENDENCY_OF ${root}`)
    expect(rels).toContain(`${root} DESCENDANT_OF SPDXRef-image-runtime`)
    expect(rels).toContain(`SPDXRef-image-runtime CONTAINS ${tzdata}`)
    expect(rels).not.toContain(`${root} CONTAINS ${gcc}`)
  })

  it('is the same document from the same plan', () => {
    const m = sbomModel(repo, 'app2')
    expect(JSON.stringify(spdxDocument(m))).toBe(JSON.stringify(spdxDocument(sbomModel(repo, 'app2'))))
  })
})

describe('CycloneDX 1.6', () => {
  it('validates against the CycloneDX 1.6 JSON schema (strict), for every fixture image', async () => {
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6)
    for (const name of Object.keys(repo.plans))
      expect(await validator.validate(renderSboms(repo, name).cyclonedx), name).toBeNull()
  })

  it('takes its serial number from the cache key and its timestamp from the epoch', () => {
    vi.useFakeTimers({ now: new Date('2031-01-01T00:00:00Z') })
    const bom = JSON.parse(renderSboms(repo, 'app2').cyclonedx) as {
      serialNumber: string
      metadata: {
        timestamp: string
        component: { name: string; properties: { name: string; value: string }[] }
      }
      components: {
        name: string
        scope: string
        properties?: { name: string; value: string }[]
        hashes?: { alg: string; content: string }[]
      }[]
    }
    expect(bom.serialNumber).toBe(serialNumber('app2', repo.plans.app2!.key))
    expect(bom.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(bom.metadata.timestamp).toBe(new Date(repo.plans.app2!.plan.epoch * 1000).toISOString())
    expect(bom.metadata.component.properties).toContainEqual({
      name: 'atelier:cache-key',
      value: repo.plans.app2!.key,
    })
    const gcc = bom.components.find((c) => c.name === 'gcc-12')!
    expect(gcc.scope).toBe('excluded')
    expect(gcc.properties).toContainEqual({ name: 'atelier:dependency', value: 'build' })
    const plugin = bom.components.find((c) => c.name === 'app2-plugin')!
    expect(plugin.scope).toBe('required')
    expect(plugin.hashes).toContainEqual({
      alg: 'SHA-256',
      content: '8ec43ab3817ba9e1ad77b534a8fdf9d32db228378c57b5f637ed8dc4fcf2b461',
    })
  })

  it('serializes the same bytes twice', () => {
    expect(cyclonedxJson(sbomModel(repo, 'app1'))).toBe(cyclonedxJson(sbomModel(repo, 'app1')))
  })
})

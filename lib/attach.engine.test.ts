// SBOMs and provenance on a pushed image, end to end: `runBuild` with push builds redis-exporter (a small
// Debian-package image of the real repository), pushes it to a fresh docker-registry, and attaches the
// artifacts; they come back through the referrers tag schema (Distribution 2.8 has no referrers API).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { attach } from './attach.ts'
import { runBuild } from './build.ts'
import { EXIT } from './errors.ts'
import { memoryLogger } from './log.ts'
import { IN_TOTO_MEDIA_TYPE, type ProvenanceStatement } from './provenance.ts'
import { RegistryClient } from './registry/client.ts'
import { startRegistry, type TestRegistry } from './registry/testing.ts'
import { openRepo, type Repo } from './repo.ts'
import { CYCLONEDX_MEDIA_TYPE, renderSboms, SPDX_MEDIA_TYPE, type SpdxDocument } from './sbom.ts'

const ROOT = join(import.meta.dirname, '..')
const NAME = 'redis-exporter'
const REPO = `atelier/${NAME}`

let reg: TestRegistry
let repo: Repo
let client: RegistryClient
let digest: string

beforeAll(async () => {
  reg = await startRegistry()
  repo = await openRepo(ROOT, {
    configOverrides: `registries: [{host: "${reg.host}", namespace: "atelier", insecure: true}]`,
    skipPolicy: true,
  })
  const logger = memoryLogger()
  const code = await runBuild(repo, [NAME], {
    force: false,
    push: true,
    restartRegistry: false,
    json: false,
    quiet: true,
    logger,
  })
  expect(code, JSON.stringify(logger.events.filter((e) => e.kind === 'failed'))).toBe(EXIT.ok)
  client = new RegistryClient(reg.config)
  const marker = JSON.parse(
    await readFile(join(ROOT, repo.config.buildDir, 'oci', NAME, 'atelier.json'), 'utf8'),
  ) as { digest: string }
  digest = marker.digest
})
afterAll(async () => {
  await reg?.dispose()
})

/** The single file of an artifact that refers to `digest`, with the artifact manifest's subject. */
async function artifact(artifactType: string): Promise<{ subject: string; text: string }> {
  const [desc, ...more] = await client.referrers(REPO, digest, artifactType)
  expect(more).toHaveLength(0)
  const manifest = JSON.parse(
    new TextDecoder().decode((await client.getManifest(REPO, desc!.digest)).body),
  ) as {
    subject: { digest: string }
    layers: { digest: string; mediaType: string }[]
  }
  expect(manifest.layers.map((l) => l.mediaType)).toEqual([artifactType])
  return {
    subject: manifest.subject.digest,
    text: new TextDecoder().decode(await client.getBlob(REPO, manifest.layers[0]!.digest)),
  }
}

describe('attached to the pushed image', () => {
  it('leaves the image digest as built and lists the three artifacts as its referrers', async () => {
    expect(await client.hasManifest(REPO, repo.plans[NAME]!.plan.version)).toBe(digest)
    expect(await client.hasManifest(REPO, digest)).toBe(digest)
    const types = (await client.referrers(REPO, digest)).map((d) => d.artifactType).sort()
    expect(types).toEqual([IN_TOTO_MEDIA_TYPE, SPDX_MEDIA_TYPE, CYCLONEDX_MEDIA_TYPE].sort())
  })

  it('attaches the committed SBOMs, which list the exporter and the runtime packages it ships on', async () => {
    const spdx = await artifact(SPDX_MEDIA_TYPE)
    expect(spdx.subject).toBe(digest)
    // What `pnpm render` commits, but for the registry this test pushed to (purls name it).
    expect(spdx.text).toBe(renderSboms(repo, NAME).spdx)
    const committed = JSON.parse(
      await readFile(join(ROOT, 'images', NAME, 'sbom.spdx.json'), 'utf8'),
    ) as SpdxDocument
    const doc = JSON.parse(spdx.text) as SpdxDocument
    expect(doc.documentNamespace).toBe(committed.documentNamespace)
    const exporter = doc.packages.find((p) => p.name === 'prometheus-redis-exporter')!
    const pin = repo.plans[NAME]!.plan.pins['prometheus-redis-exporter']!
    expect(exporter.checksums).toContainEqual({ algorithm: 'SHA256', checksumValue: pin.files[0]!.sha256 })
    expect(doc.packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(['tzdata', 'ca-certificates', 'netbase']),
    )
    const cdx = await artifact(CYCLONEDX_MEDIA_TYPE)
    expect(cdx.subject).toBe(digest)
    expect(cdx.text).toBe(renderSboms(repo, NAME).cyclonedx)
  })

  it('attaches provenance whose subject is the pushed manifest and whose inputs include the pinned .deb', async () => {
    const prov = await artifact(IN_TOTO_MEDIA_TYPE)
    const s = JSON.parse(prov.text) as ProvenanceStatement
    expect(s.subject).toEqual([
      { name: `${reg.host}/${REPO}`, digest: { sha256: digest.slice('sha256:'.length) } },
    ])
    const deps = s.predicate.buildDefinition.resolvedDependencies
    const deb = repo.plans[NAME]!.plan.pins['prometheus-redis-exporter']!.files[0]!
    expect(deps).toContainEqual(expect.objectContaining({ digest: { sha256: deb.sha256 } }))
    // Parents enter by the digests they were built to (runtime is the base the image is FROM).
    const runtime = JSON.parse(
      await readFile(join(ROOT, repo.config.buildDir, 'oci', 'runtime', 'atelier.json'), 'utf8'),
    ) as { digest: string }
    expect(deps.find((d) => d.name === 'image:runtime')?.digest).toEqual({
      sha256: runtime.digest.slice('sha256:'.length),
    })
    expect(s.predicate.buildDefinition.internalParameters.cacheKey).toBe(repo.plans[NAME]!.key)
  })

  it('adds no duplicate referrers when attached again', async () => {
    // Two attaches back to back (the build's own attach may have seen another commit of a shared tree).
    const first = await attach(repo, NAME, client, REPO, digest)
    const listed = (await client.referrers(REPO, digest)).map((d) => d.digest).sort()
    const second = await attach(repo, NAME, client, REPO, digest)
    expect(second).toEqual(first)
    expect(listed).toEqual(expect.arrayContaining(Object.values(first)))
    expect((await client.referrers(REPO, digest)).map((d) => d.digest).sort()).toEqual(listed)
    expect(await client.hasManifest(REPO, digest)).toBe(digest)
  })
})

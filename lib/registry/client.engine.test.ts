// The registry client against the real CNCF Distribution registry (docker-registry 2.8), checked with
// skopeo and docker pull: push, no-op re-push, mounts, chunked uploads, an outage mid-push, htpasswd, referrers.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RegistryError } from '../errors.ts'
import { readImage } from '../oci/image.ts'
import { blobPath } from '../oci/layer.ts'
import { buildGolden } from '../oci/regen-golden.ts'
import { RegistryClient, referrersTag } from './client.ts'
import { startRegistry, type TestRegistry } from './testing.ts'

const run = promisify(execFile)
const DOCKER = '/usr/bin/docker'
const fast = { retries: 2, baseDelayMs: 5 }

/** A fetch that records `METHOD path` of every request. */
function recording(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    fetch: (input, init) => {
      calls.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`)
      return fetch(input, init)
    },
  }
}

describe('RegistryClient against docker-registry', () => {
  let dir: string
  let reg: TestRegistry
  const app = () => join(dir, 'app')
  const base = () => join(dir, 'base')

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-push-test-'))
    await buildGolden(dir)
    reg = await startRegistry()
  })
  afterAll(async () => {
    await reg?.dispose()
    await rm(dir, { recursive: true, force: true })
  })

  it('pushes a packed image that skopeo inspects and docker pulls; a second push uploads nothing', async () => {
    const rec = recording()
    const client = new RegistryClient(reg.config, { ...fast, fetch: rec.fetch })
    expect(await client.ping()).toBe(true)
    const img = await readImage(app())
    const res = await client.pushImage(app(), 'atelier/app', ['1.2.3', 'latest'])
    expect(res).toEqual({ digest: img.manifestDigest, uploaded: 3, skipped: 0, mounted: 0 })
    expect(rec.calls.filter((c) => c.startsWith('PATCH'))).toEqual([]) // small blobs go in one PUT
    // The manifest goes after every blob, and tags after the manifest.
    const puts = rec.calls.filter((c) => c.startsWith('PUT'))
    expect(puts.slice(3)).toEqual([
      `PUT /v2/atelier/app/manifests/${img.manifestDigest}`,
      'PUT /v2/atelier/app/manifests/1.2.3',
      'PUT /v2/atelier/app/manifests/latest',
    ])

    const inspect = JSON.parse(
      (await run('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/atelier/app:1.2.3`]))
        .stdout,
    )
    expect(inspect.Digest).toBe(img.manifestDigest)
    expect(inspect.Layers).toEqual(img.layers.map((l) => l.digest))

    const ref = `${reg.host}/atelier/app:1.2.3`
    try {
      await run(DOCKER, ['pull', ref])
      const [info] = JSON.parse((await run(DOCKER, ['inspect', ref])).stdout)
      expect(info.Id).toBe(img.configDigest)
      expect(info.Config.Healthcheck.Test).toEqual([
        'CMD',
        '/usr/local/bin/healthcheck',
        'tcp',
        '127.0.0.1:8080',
      ])
    } finally {
      await run(DOCKER, ['rmi', '-f', ref]).catch(() => undefined)
    }

    const again = new RegistryClient(reg.config, fast)
    expect(await again.pushImage(app(), 'atelier/app', ['1.2.3', 'latest'])).toEqual({
      digest: img.manifestDigest,
      uploaded: 0,
      skipped: 3,
      mounted: 0,
    })
    // One HEAD for the manifest, one per tag.
    expect(again.stats).toEqual({ requests: 3, uploads: 0, mounts: 0 })
  })

  it('mounts blobs from a sibling repository instead of uploading them', async () => {
    const client = new RegistryClient(reg.config, fast)
    await client.pushImage(base(), 'atelier/base', ['1'])
    const res = await client.pushImage(app(), 'atelier/app-mounted', ['1.2.3'], {
      mountFrom: ['atelier/base'],
    })
    expect(res.mounted).toBe(1) // the base layer
    expect(res.uploaded).toBe(2) // the app layer and the config
    expect(client.stats.mounts).toBe(1)
    expect(await client.hasManifest('atelier/app-mounted', '1.2.3')).toBe(res.digest)
  })

  it('uploads in chunks above the threshold', async () => {
    const rec = recording()
    const client = new RegistryClient(reg.config, {
      ...fast,
      fetch: rec.fetch,
      chunkThreshold: 64,
      chunkSize: 100,
    })
    const img = await readImage(app())
    await client.pushImage(app(), 'atelier/chunked', ['1'])
    const patches = rec.calls.filter((c) => c.startsWith('PATCH'))
    const expected = [...img.layers.map((l) => l.size), img.manifest.config.size]
      .filter((s) => s > 64)
      .reduce((n, s) => n + Math.ceil(s / 100), 0)
    expect(patches.length).toBe(expected)
    expect(patches.length).toBeGreaterThan(3)
    for (const l of img.layers)
      expect(await client.getBlob('atelier/chunked', l.digest)).toEqual(
        new Uint8Array(await readFile(blobPath(app(), l.digest))),
      )
  })

  it('fails clearly when the registry stops mid-push, never tags a partial image, and completes after restart', async () => {
    let blobPuts = 0
    const breaking: typeof fetch = async (input, init) => {
      const url = new URL(String(input))
      if (init?.method === 'PUT' && url.pathname.includes('/blobs/uploads/') && ++blobPuts === 2)
        await reg.stop()
      return fetch(input, init)
    }
    const client = new RegistryClient(reg.config, { ...fast, fetch: breaking })
    const err = await client.pushImage(app(), 'atelier/outage', ['1.2.3']).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RegistryError)
    expect((err as RegistryError).message).toMatch(/cannot reach registry 127\.0\.0\.1:\d+ .*ECONNREFUSED/)
    expect((err as RegistryError).hint).toMatch(/registry running/)

    await reg.restart()
    const after = new RegistryClient(reg.config, fast)
    expect(await after.hasManifest('atelier/outage', '1.2.3')).toBeUndefined()
    const res = await after.pushImage(app(), 'atelier/outage', ['1.2.3'])
    expect(res).toMatchObject({ uploaded: 2, skipped: 1 })
    const manifest = JSON.parse(
      new TextDecoder().decode((await after.getManifest('atelier/outage', '1.2.3')).body),
    )
    for (const d of [manifest.config, ...manifest.layers])
      expect(await after.hasBlob('atelier/outage', d.digest)).toBe(true)
  })

  it('explains a missing manifest with the registry error code and a hint', async () => {
    const client = new RegistryClient(reg.config, fast)
    const err = (await client.getManifest('atelier/app', 'nope').catch((e: unknown) => e)) as RegistryError
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.status).toBe(404)
    expect(err.message).toContain('MANIFEST_UNKNOWN')
    expect(err.hint).toMatch(/build and push/)
  })

  it('pushes artifacts and finds them through the referrers tag fallback', async () => {
    const client = new RegistryClient(reg.config, fast)
    const subject = (await readImage(app())).manifestDigest
    const sbom = new TextEncoder().encode('{"bomFormat":"CycloneDX"}')
    const a1 = await client.pushArtifact('atelier/app', subject, {
      artifactType: 'application/vnd.cyclonedx+json',
      files: [{ mediaType: 'application/vnd.cyclonedx+json', data: sbom }],
      annotations: { 'org.opencontainers.image.created': '2023-11-14T22:13:20Z' },
    })
    const a2 = await client.pushArtifact('atelier/app', subject, {
      artifactType: 'application/vnd.in-toto+json',
      files: [{ mediaType: 'application/vnd.in-toto+json', data: new TextEncoder().encode('{}\n') }],
    })
    // Distribution 2.8 has no referrers API: the sha256-<hex> tag holds them.
    expect(await client.hasManifest('atelier/app', referrersTag(subject))).toBeDefined()
    const all = await client.referrers('atelier/app', subject)
    expect(all.map((d) => d.digest).sort()).toEqual([a1, a2].sort())
    const sboms = await client.referrers('atelier/app', subject, 'application/vnd.cyclonedx+json')
    expect(sboms).toEqual([
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: a1,
        size: expect.any(Number),
        artifactType: 'application/vnd.cyclonedx+json',
        annotations: { 'org.opencontainers.image.created': '2023-11-14T22:13:20Z' },
      },
    ])
    const m = JSON.parse(new TextDecoder().decode((await client.getManifest('atelier/app', a1)).body))
    expect(m.subject.digest).toBe(subject)
    expect(await client.getBlob('atelier/app', m.layers[0].digest)).toEqual(sbom)
    // Pushing the same artifact again does not duplicate it.
    await client.pushArtifact('atelier/app', subject, {
      artifactType: 'application/vnd.in-toto+json',
      files: [{ mediaType: 'application/vnd.in-toto+json', data: new TextEncoder().encode('{}\n') }],
    })
    expect(await client.referrers('atelier/app', subject)).toHaveLength(2)
  })
})

describe('RegistryClient against docker-registry with htpasswd', () => {
  let dir: string
  let reg: TestRegistry
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-auth-test-'))
    await buildGolden(dir)
    reg = await startRegistry({ htpasswd: { username: 'ci', password: 's3cret' } })
  })
  afterAll(async () => {
    await reg?.dispose()
    await rm(dir, { recursive: true, force: true })
  })

  const withEnv = { usernameEnv: 'ATELIER_TEST_USER', passwordEnv: 'ATELIER_TEST_PASS' }

  it('refuses an anonymous push with a hint naming the env vars', async () => {
    const client = new RegistryClient({ ...reg.config, ...withEnv }, { ...fast, env: {} })
    expect(await client.ping()).toBe(true)
    const err = (await client
      .pushImage(join(dir, 'base'), 'atelier/base', ['1'])
      .catch((e: unknown) => e)) as RegistryError
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.status).toBe(401)
    expect(err.message).toContain('UNAUTHORIZED')
    expect(err.hint).toContain('set ATELIER_TEST_USER/ATELIER_TEST_PASS')
  })

  it('says the credentials are wrong when they are', async () => {
    const client = new RegistryClient(
      { ...reg.config, ...withEnv },
      { ...fast, env: { ATELIER_TEST_USER: 'ci', ATELIER_TEST_PASS: 'wrong' } },
    )
    const err = (await client.hasManifest('atelier/base', '1').catch((e: unknown) => e)) as RegistryError
    expect(err.status).toBe(401)
    expect(err.hint).toMatch(/refused the credentials from ATELIER_TEST_USER\/ATELIER_TEST_PASS/)
  })

  it('pushes with the credentials from the env vars', async () => {
    const client = new RegistryClient(
      { ...reg.config, ...withEnv },
      { ...fast, env: { ATELIER_TEST_USER: 'ci', ATELIER_TEST_PASS: 's3cret' } },
    )
    const res = await client.pushImage(join(dir, 'base'), 'atelier/base', ['1'])
    expect(res.uploaded).toBe(2)
    expect(await client.hasManifest('atelier/base', '1')).toBe(res.digest)
    const { stdout } = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--creds',
      'ci:s3cret',
      `docker://${reg.host}/atelier/base:1`,
    ])
    expect(JSON.parse(stdout).Digest).toBe(res.digest)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256hex } from '../canonical.ts'
import { UpstreamError } from '../errors.ts'
import { imageDigest, parseImageRef, registryImage } from './registry.ts'
import { type Fixture, serveFixture, testConfig, testContext } from './testing.ts'

const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:cfg', size: 2 },
  layers: [],
})
const digest = `sha256:${sha256hex(manifest)}`

let reg: Fixture
let tokens = 0
beforeAll(async () => {
  // A registry that wants an anonymous bearer token, like Docker Hub.
  reg = await serveFixture((req, res) => {
    const url = req.url ?? ''
    if (url.startsWith('/token?')) {
      tokens++
      const q = new URLSearchParams(url.slice(7))
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ token: `tok:${q.get('scope')}:${q.get('service')}` }))
      return true
    }
    if (
      url.startsWith('/v2/') &&
      req.headers.authorization !== 'Bearer tok:repository:library/busybox:pull:fixture'
    ) {
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="fixture",scope="repository:library/busybox:pull"`,
      })
      res.end()
      return true
    }
    return false
  })
  const headers = {
    'docker-content-digest': digest,
    'content-type': 'application/vnd.oci.image.manifest.v1+json',
  }
  reg.set('/v2/library/busybox/manifests/1.36', manifest, headers)
  reg.set(`/v2/library/busybox/manifests/${digest}`, manifest, headers)
  reg.set('/v2/library/busybox/blobs/sha256:cfg', JSON.stringify({ created: '2024-05-18T00:00:00Z' }))
})
afterAll(() => reg.close())

describe('image references', () => {
  it('parses Docker Hub shorthand, hosts with ports and tags', () => {
    expect(parseImageRef('busybox')).toEqual({
      host: 'docker.io',
      repository: 'library/busybox',
      tag: 'latest',
    })
    expect(parseImageRef('docker.io/library/busybox:1.36')).toEqual({
      host: 'docker.io',
      repository: 'library/busybox',
      tag: '1.36',
    })
    expect(parseImageRef('127.0.0.1:5000/a/b:v1@sha256:x')).toEqual({
      host: '127.0.0.1:5000',
      repository: 'a/b',
      tag: 'v1',
    })
  })
})

describe('registry digests (fixture with the bearer-token flow)', () => {
  const config = () =>
    testConfig({
      refresh: { concurrency: 4, maxAgeDays: 1, rewrite: { 'https://registry-1.docker.io': reg.url } },
    })
  it('HEADs the manifest with Accept headers after fetching an anonymous token', async () => {
    expect(await imageDigest(config(), 'docker.io/library/busybox:1.36')).toBe(digest)
    expect(tokens).toBeGreaterThan(0)
    const head = reg.requests.find((r) => r.method === 'HEAD' && r.headers.authorization)
    expect(head?.headers.accept).toContain('application/vnd.oci.image.index.v1+json')
  })
  it('pins a LockedImage with the config created date', async () => {
    const pin = await registryImage(testContext({ config: config() }), 'busybox:1.36')
    expect(pin).toEqual({
      kind: 'image',
      ref: 'busybox:1.36',
      digest,
      version: '1.36',
      date: Math.floor(Date.parse('2024-05-18T00:00:00Z') / 1000),
      files: [],
    })
  })
  it('fails on an unknown tag', async () => {
    await expect(imageDigest(config(), 'busybox:nope')).rejects.toBeInstanceOf(UpstreamError)
  })
})

// Against the real Distribution registry binary (docker-registry) on a free loopback port.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256hex } from '../canonical.ts'
import { imageDigest, registryImage } from './registry.ts'
import { testConfig, testContext } from './testing.ts'

let proc: ChildProcess
let base = ''
let host = ''

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

async function pushBlob(repo: string, body: string): Promise<string> {
  const digest = `sha256:${sha256hex(body)}`
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' })
  const loc = new URL(start.headers.get('location')!, base)
  loc.searchParams.set('digest', digest)
  const put = await fetch(loc, {
    method: 'PUT',
    body,
    headers: { 'content-type': 'application/octet-stream' },
  })
  expect(put.status).toBe(201)
  return digest
}

async function pushImage(repo: string, tag: string, created: string): Promise<string> {
  const cfg = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created,
    rootfs: { type: 'layers', diff_ids: [] },
  })
  const cfgDigest = await pushBlob(repo, cfg)
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfgDigest, size: cfg.length },
    layers: [],
  })
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  })
  expect(res.status).toBe(201)
  return `sha256:${sha256hex(manifest)}`
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-reg-'))
  const port = await freePort()
  host = `127.0.0.1:${port}`
  base = `http://${host}`
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: ${dir}/data}, delete: {enabled: true}}\nhttp: {addr: "${host}"}\n`,
  )
  proc = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${base}/v2/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('docker-registry did not start')
})
afterAll(() => {
  proc?.kill()
})

describe('registry digests (real docker-registry)', () => {
  it('follows a moving tag: a new push gives a new pinned digest and date', async () => {
    const first = await pushImage('mirror/app', '1', '2024-01-01T00:00:00Z')
    expect(await imageDigest(testConfig(), `${host}/mirror/app:1`)).toBe(first)
    const pin1 = await registryImage(testContext(), `${host}/mirror/app:1`)
    expect(pin1).toMatchObject({ digest: first, date: Math.floor(Date.parse('2024-01-01T00:00:00Z') / 1000) })

    const second = await pushImage('mirror/app', '1', '2024-02-01T00:00:00Z')
    expect(second).not.toBe(first)
    const pin2 = await registryImage(testContext({ current: pin1 }), `${host}/mirror/app:1`)
    expect(pin2).toMatchObject({
      digest: second,
      date: Math.floor(Date.parse('2024-02-01T00:00:00Z') / 1000),
    })
    // Unchanged digest: the locked pin comes back as it was.
    expect(await registryImage(testContext({ current: pin2 }), `${host}/mirror/app:1`)).toBe(pin2)
  })
})

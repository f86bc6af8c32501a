import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import tar from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256hex } from '../canonical.ts'
import { alpineMinirootfs, alpinePackage, alpineReleases, apkIndex } from './alpine.ts'
import { type Fixture, serveFixture, testConfig, testContext } from './testing.ts'

/** A tar of the given files; `end: false` drops the end-of-archive blocks as apk's signature segment does. */
async function tarOf(files: Record<string, string>, end = true): Promise<Buffer> {
  const pack = tar.pack()
  for (const [name, body] of Object.entries(files))
    pack.entry({ name, mtime: new Date(0), mode: 0o644 }, body)
  pack.finalize()
  const chunks: Buffer[] = []
  for await (const c of pack) chunks.push(c as Buffer)
  const all = Buffer.concat(chunks)
  return end ? all : all.subarray(0, all.length - 1024)
}

const APKINDEX = `C:Q1AbCdEfGhIjKlMnOpQrStUvWxYz0=
P:busybox-static
V:1.36.1-r28
A:x86_64
S:4
t:1717000000

C:Q1SomeOtherChecksumAAAAAAAAAAAA=
P:busybox-static
V:1.36.1-r29
A:x86_64
S:4
t:1718000000
o:busybox

C:Q1Zzz=
P:busybox-static
V:1.36.1_rc1-r0
A:x86_64
S:4
t:1719000000

C:Q1Other=
P:musl
V:1.2.5-r0
A:x86_64
S:1
t:1716000000
`

let mirror: Fixture
let rootfs: Buffer
beforeAll(async () => {
  mirror = await serveFixture()
  rootfs = gzipSync(await tarOf({ 'etc/alpine-release': '3.20.3\n', 'etc/os-release': 'ID=alpine\n' }))
  const yaml = (version: string, flavor: string, file: string, sha256: string) => `-
  title: "x"
  branch: v3.20
  arch: x86_64
  version: ${version}
  flavor: ${flavor}
  file: ${file}
  date: 2024-09-06
  time: 11:31:34
  size: ${rootfs.length}
  sha256: ${sha256}
`
  mirror.set(
    '/v3.20/releases/x86_64/latest-releases.yaml',
    `---\n${yaml('3.20.3', 'alpine-standard', 'alpine-standard-3.20.3-x86_64.iso', 'f'.repeat(64))}${yaml(
      '3.20.3',
      'alpine-minirootfs',
      'alpine-minirootfs-3.20.3-x86_64.tar.gz',
      sha256hex(rootfs),
    )}`,
  )
  mirror.set('/v3.20/releases/x86_64/alpine-minirootfs-3.20.3-x86_64.tar.gz', rootfs)
  const sig = gzipSync(
    await tarOf({ '.SIGN.RSA.alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub': 'sig' }, false),
  )
  const idx = gzipSync(await tarOf({ DESCRIPTION: 'v3.20.3', APKINDEX }))
  mirror.set('/v3.20/main/x86_64/APKINDEX.tar.gz', Buffer.concat([sig, idx]))
  mirror.set('/v3.20/main/x86_64/busybox-static-1.36.1-r29.apk', 'apk!')
})
afterAll(() => mirror.close())

const config = () => testConfig({ alpine: { mirror: mirror.url, branch: 'v3.20' } })

describe('Alpine minirootfs (fixture mirror)', () => {
  it('reads latest-releases.yaml', async () => {
    const rs = await alpineReleases(config())
    expect(rs.map((r) => r.flavor)).toEqual(['alpine-standard', 'alpine-minirootfs'])
    expect(rs[1]!.date).toBe(Math.floor(Date.parse('2024-09-06T11:31:34Z') / 1000))
  })
  it('pins the minirootfs flavor by the sha256 the release file carries', async () => {
    const pin = await alpineMinirootfs(testContext({ config: config() }))
    expect(pin).toEqual({
      kind: 'url',
      version: '3.20.3',
      date: Math.floor(Date.parse('2024-09-06T11:31:34Z') / 1000),
      files: [
        {
          name: 'alpine-minirootfs-3.20.3-x86_64.tar.gz',
          url: `${mirror.url}/v3.20/releases/x86_64/alpine-minirootfs-3.20.3-x86_64.tar.gz`,
          sha256: createHash('sha256').update(rootfs).digest('hex'),
          size: rootfs.length,
        },
      ],
    })
  })
})

describe('Alpine packages (fixture APKINDEX.tar.gz)', () => {
  it('parses a signed APKINDEX (two gzip segments) with P/V/C fields', async () => {
    const entries = await apkIndex(config())
    expect(entries.map((e) => `${e.name}=${e.version}`)).toEqual([
      'busybox-static=1.36.1-r28',
      'busybox-static=1.36.1-r29',
      'busybox-static=1.36.1_rc1-r0',
      'musl=1.2.5-r0',
    ])
    expect(entries[1]!.checksum).toBe('Q1SomeOtherChecksumAAAAAAAAAAAA=')
  })
  it('pins the newest .apk by sha256 and keeps the apk checksum', async () => {
    const pin = await alpinePackage(testContext({ config: config() }), 'busybox-static')
    expect(pin.version).toBe('1.36.1-r29')
    expect(pin.date).toBe(1718000000)
    expect(pin.files).toEqual([
      {
        name: 'busybox-static-1.36.1-r29.apk',
        url: `${mirror.url}/v3.20/main/x86_64/busybox-static-1.36.1-r29.apk`,
        sha256: sha256hex('apk!'),
        size: 4,
        integrity: 'Q1SomeOtherChecksumAAAAAAAAAAAA=',
      },
    ])
  })
})

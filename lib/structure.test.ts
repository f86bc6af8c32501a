// Hardening checks over file lists (no engine), and reading lists from tar streams and layered layouts.
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { pack } from 'tar-stream'
import { describe, expect, it } from 'vitest'
import {
  checkStructure,
  entriesFromTar,
  type FileEntry,
  mergeLayers,
  type StructureInput,
} from './structure.ts'

const f = (path: string, mode = 0o755, extra: Partial<FileEntry> = {}): FileEntry => ({
  path,
  type: 'file',
  mode,
  uid: 0,
  gid: 0,
  ...extra,
})
const d = (path: string, extra: Partial<FileEntry> = {}): FileEntry =>
  f(path, 0o755, { type: 'dir', ...extra })

const GOOD: FileEntry[] = [
  d('/data', { uid: 65532, gid: 65532 }),
  d('/run/app', { uid: 65532, gid: 65532 }),
  f('/run/app/pid', 0o644, { uid: 65532, gid: 65532 }),
  d('/usr'),
  d('/usr/bin'),
  f('/usr/bin/app'),
  f('/usr/local/bin/healthcheck'),
  { path: '/usr/bin/app-link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: 'app' },
  f('/etc/passwd', 0o644),
]

function input(over: Partial<StructureInput> = {}): StructureInput {
  return {
    files: GOOD,
    runtime: {
      user: { uid: 65532, gid: 65532 },
      entrypoint: ['/usr/bin/app'],
      volumes: ['/data'],
      tmpfs: [],
    },
    writable: ['/run/app'],
    imageUser: '65532:65532',
    ...over,
  }
}

describe('checkStructure', () => {
  it('finds nothing wrong with a clean image', () => {
    expect(checkStructure(input())).toEqual([])
    // An entrypoint reached through a relative symlink counts.
    expect(
      checkStructure(input({ runtime: { ...input().runtime, entrypoint: ['/usr/bin/app-link'] } })),
    ).toEqual([])
  })

  it('reports setuid and setgid files unless exempted', () => {
    const files = [
      ...GOOD,
      f('/usr/bin/su', 0o4755),
      f('/usr/bin/wall', 0o2755),
      d('/var/mail', { mode: 0o2775 }),
    ]
    expect(checkStructure(input({ files }))).toEqual([
      { check: 'setuid', path: '/usr/bin/su', message: expect.stringMatching(/is setuid \(mode 4755\)/) },
      { check: 'setuid', path: '/usr/bin/wall', message: expect.stringMatching(/is setgid \(mode 2755\)/) },
    ])
    expect(checkStructure(input({ files, exemptions: { setuid: 'ping needs it' } }))).toEqual([])
  })

  it('reports shells and busybox in bin directories unless exempted', () => {
    const files = [...GOOD, f('/bin/sh'), f('/usr/bin/bash'), f('/bin/busybox'), f('/opt/sh')]
    const p = checkStructure(input({ files }))
    expect(p.map((x) => [x.check, x.path])).toEqual([
      ['shell', '/bin/busybox'],
      ['shell', '/bin/sh'],
      ['shell', '/usr/bin/bash'],
    ])
    expect(p[1]!.message).toBe(
      '/bin/sh: a shell in the image: remove it, or set exemptions.shell with the reason',
    )
    expect(checkStructure(input({ files, exemptions: { shell: 'hooks' } }))).toEqual([])
  })

  it('reports package managers unless exempted', () => {
    const files = [...GOOD, f('/usr/bin/dpkg'), f('/usr/bin/apt-get'), f('/sbin/apk')]
    expect(checkStructure(input({ files })).map((x) => x.path)).toEqual([
      '/sbin/apk',
      '/usr/bin/apt-get',
      '/usr/bin/dpkg',
    ])
    expect(checkStructure(input({ files, exemptions: { packageManager: 'debug image' } }))).toEqual([])
  })

  it('reports files the runtime uid owns outside volumes, tmpfs and writable paths', () => {
    const files = [
      ...GOOD,
      f('/etc/app.conf', 0o644, { uid: 65532 }),
      d('/tmp', { uid: 65532, mode: 0o1777 }),
    ]
    expect(checkStructure(input({ files }))).toEqual([
      {
        check: 'owner',
        path: '/etc/app.conf',
        message:
          '/etc/app.conf is owned by the runtime uid 65532 but is not a declared volume, tmpfs or writable path',
      },
      { check: 'owner', path: '/tmp', message: expect.any(String) },
    ])
    const rt = { ...input().runtime, tmpfs: ['/tmp'] }
    expect(checkStructure(input({ files, runtime: rt })).map((x) => x.path)).toEqual(['/etc/app.conf'])
    // Without the writable declaration, /run/app is reported too.
    expect(checkStructure(input({ writable: [] })).map((x) => x.path)).toEqual(['/run/app', '/run/app/pid'])
  })

  it('reports a missing, dangling or non-executable entrypoint', () => {
    const rt = (bin: string) => ({ ...input().runtime, entrypoint: [bin, '--flag'] })
    expect(checkStructure(input({ runtime: rt('/usr/bin/nope') }))).toEqual([
      { check: 'entrypoint', path: '/usr/bin/nope', message: 'entrypoint /usr/bin/nope is not in the image' },
    ])
    const dangling = [...GOOD, { ...f('/usr/bin/x'), type: 'symlink' as const, linkname: '/missing' }]
    expect(checkStructure(input({ files: dangling, runtime: rt('/usr/bin/x') }))[0]!.message).toBe(
      'entrypoint /usr/bin/x is not in the image',
    )
    const noexec = [...GOOD, f('/usr/bin/data', 0o644)]
    expect(checkStructure(input({ files: noexec, runtime: rt('/usr/bin/data') }))[0]!.message).toBe(
      'entrypoint /usr/bin/data is not executable by 65532:65532 (mode 644, owner 0:0)',
    )
    // Owner-only execute bits do not help another uid.
    const owneronly = [...GOOD, f('/usr/bin/mine', 0o700)]
    expect(checkStructure(input({ files: owneronly, runtime: rt('/usr/bin/mine') }))).toHaveLength(1)
    expect(checkStructure(input({ runtime: rt('/usr') }))[0]!.message).toBe(
      'entrypoint /usr is not a regular file (dir)',
    )
  })

  it('reports root, from the runtime or the image config, unless exempted', () => {
    const root = { ...input().runtime, user: { uid: 0, gid: 0 } }
    expect(checkStructure(input({ runtime: root, imageUser: '0:0' }))).toEqual([
      {
        check: 'root',
        message: 'runs as uid 0 (root): set runtime.user, or exemptions.root with the reason',
      },
    ])
    expect(checkStructure(input({ imageUser: '' }))[0]!.message).toBe(
      'image config User is "" (root): the image must name its non-root uid (USER 65532:65532)',
    )
    expect(checkStructure(input({ runtime: root, exemptions: { root: 'binds :53' } }))).toEqual([])
  })
})

async function tarOf(
  entries: {
    name: string
    type?: 'file' | 'directory' | 'symlink' | 'link'
    mode?: number
    uid?: number
    linkname?: string
    body?: string
  }[],
): Promise<Buffer> {
  const p = pack()
  for (const e of entries) {
    const header = {
      name: e.name,
      type: e.type ?? 'file',
      mode: e.mode ?? 0o644,
      uid: e.uid ?? 0,
      gid: 0,
      ...(e.linkname ? { linkname: e.linkname } : {}),
    }
    if (e.type === undefined || e.type === 'file') p.entry(header, e.body ?? '')
    else p.entry(header)
  }
  p.finalize()
  const chunks: Buffer[] = []
  for await (const c of p) chunks.push(Buffer.from(c as Uint8Array))
  return Buffer.concat(chunks)
}

describe('reading listings', () => {
  it('reads a tar, plain or gzipped, with modes, owners and links', async () => {
    const tar = await tarOf([
      { name: './', type: 'directory', mode: 0o755 },
      { name: './bin/', type: 'directory', mode: 0o755 },
      { name: './bin/app', mode: 0o4755, uid: 7, body: 'x'.repeat(2000) },
      { name: './bin/sh', type: 'symlink', linkname: 'app', mode: 0o777 },
      { name: './bin/hard', type: 'link', linkname: 'bin/app' },
    ])
    for (const bytes of [tar, gzipSync(tar)]) {
      const entries = await entriesFromTar(Readable.from([bytes]))
      expect(entries).toEqual([
        { path: '/bin', type: 'dir', mode: 0o755, uid: 0, gid: 0 },
        { path: '/bin/app', type: 'file', mode: 0o4755, uid: 7, gid: 0 },
        { path: '/bin/sh', type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: 'app' },
        { path: '/bin/hard', type: 'hardlink', mode: 0o644, uid: 0, gid: 0, linkname: 'bin/app' },
      ])
    }
  })

  it('merges layers with whiteouts and opaque directories', () => {
    const merged = mergeLayers([
      [d('/bin'), f('/bin/sh'), f('/bin/app'), d('/etc'), f('/etc/a'), f('/etc/b')],
      [f('/bin/.wh.sh'), f('/etc/.wh..wh..opq'), f('/etc/c'), f('/bin/app', 0o700)],
    ])
    expect(merged.map((e) => e.path)).toEqual(['/bin', '/bin/app', '/etc', '/etc/c'])
    expect(merged.find((e) => e.path === '/bin/app')!.mode).toBe(0o700)
  })
})

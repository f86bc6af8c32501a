// The BOM: one flat, sorted map of every pinned input, and commit messages that say what moved.
import { describe, expect, it } from 'vitest'
import { bomCommitMessage, bomOf, diffBom } from './bom.ts'
import type { LockedPin } from './pin.ts'

const redis = (version: string): LockedPin => ({
  kind: 'debian-source',
  name: 'redis',
  suite: 'bookworm',
  version,
  date: 1,
  files: [],
})

describe('bomOf', () => {
  it('flattens every kind of pin into sorted `kind:name` keys', () => {
    const bom = bomOf({
      system: {
        kind: 'debian-system',
        suite: 'bookworm',
        variant: 'minbase',
        include: [],
        version: 'bookworm',
        date: 1,
        files: [],
        packages: [
          { name: 'libc6', version: '2.36-9+deb12u9', arch: 'amd64', sha256: 'a'.repeat(64) },
          { name: 'base-files', version: '12.4+deb12u8', arch: 'amd64', sha256: 'b'.repeat(64) },
        ],
      },
      redis: redis('7.0.15-1~deb12u7'),
      src: {
        kind: 'git',
        repo: 'https://example.invalid/x',
        commit: '0123456789abcdef'.repeat(2) + '01234567',
        version: 'v1',
        date: 1,
        files: [],
      },
      busybox: {
        kind: 'image',
        ref: 'busybox:1.36',
        digest: `sha256:${'c'.repeat(64)}`,
        version: '1.36',
        date: 1,
        files: [],
      },
      marked: { kind: 'npm', name: 'marked', integrity: 'sha512-x', version: '12.0.2', date: 1, files: [] },
      alpine: { kind: 'url', version: '3.20.3', date: 1, files: [] },
    })
    expect(Object.keys(bom)).toEqual(Object.keys(bom).sort())
    expect(bom).toEqual({
      'deb:base-files': '12.4+deb12u8',
      'deb:libc6': '2.36-9+deb12u9',
      'debian-src:redis': '7.0.15-1~deb12u7',
      'git:src': '0123456789ab',
      'image:busybox': 'cccccccccccc',
      'npm:marked': '12.0.2',
      'url:alpine': '3.20.3',
    })
  })
})

describe('commit messages', () => {
  it('one change: the subject says exactly what moved', () => {
    const changes = diffBom(
      bomOf({ redis: redis('7.0.15-1~deb12u6') }),
      bomOf({ redis: redis('7.0.15-1~deb12u7') }),
    )
    expect(bomCommitMessage('redis', changes)).toEqual({
      subject: '[redis] debian-src:redis 7.0.15-1~deb12u6 -> 7.0.15-1~deb12u7',
      body: '',
    })
  })

  it('several changes: a count in the subject, one line each in the body, sorted by key', () => {
    const before = { 'deb:zlib1g': '1:1.2.13.dfsg-1', 'deb:libc6': '2.36-9+deb12u8', 'deb:old': '1.0' }
    const after = { 'deb:libc6': '2.36-9+deb12u9', 'deb:new': '2.0', 'deb:zlib1g': '1:1.2.13.dfsg-1' }
    const changes = diffBom(before, after)
    expect(changes).toEqual([
      { key: 'deb:libc6', from: '2.36-9+deb12u8', to: '2.36-9+deb12u9' },
      { key: 'deb:new', to: '2.0' },
      { key: 'deb:old', from: '1.0' },
    ])
    expect(bomCommitMessage('x', changes)).toEqual({
      subject: '[x] 3 changes',
      body: [
        '- deb:libc6 2.36-9+deb12u8 -> 2.36-9+deb12u9',
        '- deb:new (new) 2.0',
        '- deb:old 1.0 (removed)',
      ].join('\n'),
    })
  })

  it('a single added or removed entry reads as such', () => {
    expect(bomCommitMessage('a', diffBom({}, { 'npm:marked': '12.0.2' })).subject).toBe(
      '[a] npm:marked (new) 12.0.2',
    )
    expect(bomCommitMessage('a', diffBom({ 'npm:marked': '12.0.2' }, {})).subject).toBe(
      '[a] npm:marked 12.0.2 (removed)',
    )
  })

  it('no change is no change', () => {
    const bom = { 'deb:libc6': '2.36' }
    expect(diffBom(bom, { ...bom })).toEqual([])
    expect(bomCommitMessage('a', []).subject).toBe('[a] no changes')
  })
})

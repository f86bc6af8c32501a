import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256hex } from '../canonical.ts'
import { UpstreamError } from '../errors.ts'
import { githubRelease, githubReleases, githubTag, gitRef, gitTag, gitTags } from './github.ts'
import { type Fixture, serveFixture, testConfig, testContext } from './testing.ts'

let gh: Fixture
const asset = 'redis-7.2.5 tarball bytes'

beforeAll(async () => {
  gh = await serveFixture()
  const rel = (tag: string, extra: object = {}) => ({
    tag_name: tag,
    draft: false,
    prerelease: false,
    body: `notes for ${tag}: fixes CVE-2024-31449`,
    published_at: '2024-10-02T12:00:00Z',
    tarball_url: `${gh.url}/tarball/${tag}`,
    assets: [{ name: `redis-${tag}.tar.gz`, browser_download_url: `${gh.url}/dl/redis-${tag}.tar.gz` }],
    ...extra,
  })
  gh.set(
    '/repos/redis/redis/releases',
    JSON.stringify([
      rel('8.0.0', { draft: true }),
      rel('7.4.0-rc1', { prerelease: true }),
      rel('7.2.5'),
      rel('7.2.10', { assets: [] }),
      rel('6.2.14'),
    ]),
  )
  gh.set('/dl/redis-7.2.5.tar.gz', asset)
  gh.set('/dl/redis-6.2.14.tar.gz', 'old')
  gh.set(
    '/repos/valkey-io/valkey/tags',
    JSON.stringify([
      { name: 'v8.0.1', commit: { sha: 'a'.repeat(40) } },
      { name: '8.1.0-rc1', commit: { sha: 'b'.repeat(40) } },
      { name: 'v7.2.7', commit: { sha: 'c'.repeat(40) } },
    ]),
  )
  gh.set(
    `/repos/valkey-io/valkey/commits/${'a'.repeat(40)}`,
    JSON.stringify({ commit: { committer: { date: '2024-10-01T00:00:00Z' } } }),
  )
})
afterAll(() => gh.close())

const config = () => testConfig({ github: { api: gh.url } })

describe('GitHub releases (fixture API)', () => {
  it('drops drafts and prereleases and keeps notes', async () => {
    const rs = await githubReleases(config(), 'redis/redis')
    expect(rs.map((r) => r.tag)).toEqual(['7.2.5', '7.2.10', '6.2.14'])
    expect(rs[0]!.notes).toContain('CVE-2024-31449')
    expect(gh.requests.some((r) => r.path.startsWith('/repos/redis/redis/releases?per_page=100'))).toBe(true)
  })
  it('pins the newest release asset in a major line by sha256 and attaches its notes', async () => {
    const ctx = testContext({ config: config() })
    const pin = await githubRelease(ctx, 'redis/redis', {
      asset: 'redis-{version}.tar.gz',
      filter: { match: /^7\.2\.5$|^6/ },
    })
    expect(pin.version).toBe('7.2.5')
    expect(pin.files).toEqual([
      {
        name: 'redis-7.2.5.tar.gz',
        url: `${gh.url}/dl/redis-7.2.5.tar.gz`,
        sha256: sha256hex(asset),
        size: asset.length,
      },
    ])
    expect(pin.date).toBe(Math.floor(Date.parse('2024-10-02T12:00:00Z') / 1000))
    expect(ctx.notes.join('\n')).toContain('notes for 7.2.5')
    expect(
      (
        await githubRelease(testContext({ config: config() }), 'redis/redis', {
          asset: /\.tar\.gz$/,
          filter: { major: 6 },
        })
      ).version,
    ).toBe('6.2.14')
  })
  it('fails clearly when the newest release lacks the asset', async () => {
    const err = await githubRelease(testContext({ config: config() }), 'redis/redis', {
      asset: 'redis-{version}.tar.gz',
    }).catch((e) => e)
    expect(err).toBeInstanceOf(UpstreamError)
    expect(err.message).toContain('release 7.2.10 of redis/redis has no asset')
  })
  it('pins the newest REST tag by commit with the commit date', async () => {
    const pin = await githubTag(testContext({ config: config() }), 'valkey-io/valkey')
    expect(pin).toMatchObject({
      kind: 'git',
      version: '8.0.1',
      commit: 'a'.repeat(40),
      repo: 'https://github.com/valkey-io/valkey',
    })
    expect(pin.date).toBe(Math.floor(Date.parse('2024-10-01T00:00:00Z') / 1000))
    expect(
      (await githubTag(testContext({ config: config() }), 'valkey-io/valkey', { filter: { major: 7 } }))
        .commit,
    ).toBe('c'.repeat(40))
  })
})

describe('git ls-remote (local bare repository)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-git-'))
  const work = join(dir, 'work')
  const bare = join(dir, 'up.git')
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd,
      encoding: 'utf8',
    }).trim()
  const commits: Record<string, string> = {}
  beforeAll(() => {
    execFileSync('git', ['init', '-q', '-b', 'main', work])
    for (const t of ['v1.2.9', 'v1.2.10', 'v1.3.0-rc1']) {
      git(work, 'commit', '-q', '--allow-empty', '-m', t)
      git(work, 'tag', '-a', '-m', t, t) // annotated: ls-remote must peel it
      commits[t] = git(work, 'rev-parse', 'HEAD')
    }
    execFileSync('git', ['clone', '-q', '--bare', work, bare])
  })

  it('lists tags peeled to commits and pins the newest release', async () => {
    const url = `file://${bare}`
    const tags = await gitTags(testConfig(), url)
    expect(Object.fromEntries(tags.map((t) => [t.tag, t.commit]))).toEqual(commits)
    const pin = await gitTag(testContext(), url)
    expect(pin).toMatchObject({ kind: 'git', repo: url, version: '1.2.10', commit: commits['v1.2.10'] })
  })
  it('follows a named ref', async () => {
    const pin = await gitRef(testContext(), `file://${bare}`, 'refs/heads/main')
    expect(pin.commit).toBe(commits['v1.3.0-rc1'])
  })
  it('reports an unreachable remote as an UpstreamError', async () => {
    await expect(gitTags(testConfig(), `file://${dir}/nope.git`)).rejects.toBeInstanceOf(UpstreamError)
  })
})

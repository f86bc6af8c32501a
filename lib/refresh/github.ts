// GitHub releases and tags (REST API at config github.api) and tags of any git remote (`git ls-remote`):
// the newest version, pinned by asset sha256 or by commit. Release notes go into the commit body.
import type { Config } from '../config.ts'
import { UpstreamError } from '../errors.ts'
import { exec } from '../exec.ts'
import type { LockedGit, LockedUrl } from '../pin.ts'
import { newest, type Scheme, tagsToVersions, type VersionFilter } from '../versions.ts'
import { dateFor, type RefreshContext } from './context.ts'
import { download, fileName, getJson, rewriteUrl } from './http.ts'

export interface GithubRelease {
  tag: string
  /** The version the tag names (`v7.2.4` -> `7.2.4`, or the filter's `version` group). */
  version: string
  /** Release notes (markdown). */
  notes: string
  /** Published (unix seconds). */
  date: number
  assets: { name: string; url: string }[]
  tarball: string
}

interface ApiRelease {
  tag_name: string
  draft: boolean
  prerelease: boolean
  body?: string | null
  published_at?: string | null
  created_at?: string | null
  tarball_url?: string
  assets?: { name: string; browser_download_url: string }[]
}

function api(config: Pick<Config, 'github'>, path: string): string {
  return `${config.github.api.replace(/\/+$/, '')}${path}`
}

const HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' }

function seconds(iso: string | null | undefined): number | undefined {
  const t = Date.parse(iso ?? '')
  return Number.isFinite(t) ? Math.floor(t / 1000) : undefined
}

/**
 * Published releases of `owner/repo`, drafts and GitHub-marked prereleases dropped (first 100, newest first
 * as GitHub lists them). `match` keeps matching tags and may extract the version with a `version` group.
 */
export async function githubReleases(
  config: Pick<Config, 'github' | 'refresh'>,
  repo: string,
  match?: RegExp,
): Promise<GithubRelease[]> {
  const list = await getJson<ApiRelease[]>(
    config,
    api(config, `/repos/${repo}/releases?per_page=100`),
    HEADERS,
  )
  const out: GithubRelease[] = []
  for (const r of list) {
    if (r.draft || r.prerelease) continue
    const [tv] = tagsToVersions([r.tag_name], match)
    if (!tv) continue
    out.push({
      tag: r.tag_name,
      version: tv.version,
      notes: (r.body ?? '').trim(),
      date: seconds(r.published_at) ?? seconds(r.created_at) ?? 0,
      assets: (r.assets ?? []).map((a) => ({ name: a.name, url: a.browser_download_url })),
      tarball: r.tarball_url ?? '',
    })
  }
  return out
}

export interface GitTag {
  tag: string
  commit: string
}

/** Tags of `owner/repo` through the REST API (first 100). */
export async function githubTags(
  config: Pick<Config, 'github' | 'refresh'>,
  repo: string,
): Promise<GitTag[]> {
  const list = await getJson<{ name: string; commit: { sha: string } }[]>(
    config,
    api(config, `/repos/${repo}/tags?per_page=100`),
    HEADERS,
  )
  return list.map((t) => ({ tag: t.name, commit: t.commit.sha }))
}

/**
 * Refs of any git remote via `git ls-remote` (no clone). Annotated tags are peeled to their commit.
 * @param pattern ls-remote flags and patterns, e.g. `['--tags']`, `['refs/heads/main']`.
 */
export async function gitRefs(
  config: Pick<Config, 'refresh'>,
  url: string,
  pattern: string[] = [],
): Promise<Record<string, string>> {
  const target = rewriteUrl(config, url)
  let out: string
  try {
    const flags = pattern.filter((p) => p.startsWith('--'))
    const patterns = pattern.filter((p) => !p.startsWith('--'))
    out = await exec(['git', 'ls-remote', ...flags, target, ...patterns], {
      env: { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' },
    })
  } catch (e) {
    throw new UpstreamError(
      `git ls-remote ${target} failed: ${(e as Error).message.split('\n').slice(-3).join(' ')}`,
    )
  }
  const refs: Record<string, string> = {}
  const peeled: Record<string, string> = {}
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split('\t')
    if (!sha || !ref) continue
    if (ref.endsWith('^{}')) peeled[ref.slice(0, -3)] = sha
    else refs[ref] = sha
  }
  return { ...refs, ...peeled }
}

/** Tags of any git remote, peeled to commits. */
export async function gitTags(config: Pick<Config, 'refresh'>, url: string): Promise<GitTag[]> {
  const refs = await gitRefs(config, url, ['--tags'])
  return Object.entries(refs)
    .filter(([ref]) => ref.startsWith('refs/tags/'))
    .map(([ref, commit]) => ({ tag: ref.slice('refs/tags/'.length), commit }))
}

export interface ReleaseOptions {
  /** The asset to pin: a name (`{version}` is substituted) or a pattern. Without it, the source tarball. */
  asset?: string | RegExp
  /** Tag pattern (a `version` group extracts the version), major line, prereleases. */
  filter?: VersionFilter
  /** @default 'semver' */
  scheme?: Scheme
}

/**
 * The newest GitHub release's asset (or source tarball), downloaded and pinned by sha256; its notes
 * are attached for the commit body.
 * @example src: (ctx) => githubRelease(ctx, 'redis/redis', { asset: 'redis-{version}.tar.gz', filter: { major: 7 } })
 */
export async function githubRelease(
  ctx: RefreshContext,
  repo: string,
  opts: ReleaseOptions = {},
): Promise<LockedUrl> {
  const releases = await githubReleases(ctx.config, repo, opts.filter?.match)
  const r = newest(releases, opts.filter, opts.scheme ?? 'semver')
  if (!r) throw new UpstreamError(`github: ${repo} has no release matching ${describe(opts.filter)}`)
  let url = r.tarball
  let name = `${repo.split('/')[1]}-${r.version}.tar.gz`
  if (opts.asset !== undefined) {
    const want = opts.asset
    const a = r.assets.find((x) =>
      typeof want === 'string' ? x.name === want.replaceAll('{version}', r.version) : want.test(x.name),
    )
    if (!a)
      throw new UpstreamError(
        `github: release ${r.tag} of ${repo} has no asset ${String(want)} (has: ${r.assets.map((x) => x.name).join(', ') || 'none'})`,
      )
    url = a.url
    name = a.name
  }
  if (!url) throw new UpstreamError(`github: release ${r.tag} of ${repo} has neither the asset nor a tarball`)
  if (r.notes) ctx.note(`${repo} ${r.tag}:\n${r.notes}`)
  const d = await download(ctx.config, ctx.store, url)
  return {
    kind: 'url',
    version: r.version,
    date: dateFor(ctx, r.version, r.date || d.lastModified),
    files: [{ name: name || fileName(url), url, sha256: d.sha256, size: d.size }],
  }
}

export interface TagOptions {
  filter?: VersionFilter
  /** @default 'semver' */
  scheme?: Scheme
}

function describe(filter: VersionFilter | undefined): string {
  return filter ? JSON.stringify({ ...filter, match: filter.match?.source }) : 'any version'
}

function toGit(
  ctx: RefreshContext,
  repoUrl: string,
  t: GitTag & { version: string },
  date?: number,
): LockedGit {
  return {
    kind: 'git',
    repo: repoUrl,
    commit: t.commit,
    version: t.version,
    // A tag names a commit: when the commit is unchanged keep the locked date.
    date:
      date ??
      (ctx.current?.kind === 'git' && ctx.current.commit === t.commit
        ? ctx.current.date
        : dateFor({}, t.version)),
    files: [],
  }
}

/**
 * The newest tag of a GitHub repository (REST), pinned by commit; the date is the commit's.
 * @example src: (ctx) => githubTag(ctx, 'valkey-io/valkey', { filter: { major: 8 } })
 */
export async function githubTag(
  ctx: RefreshContext,
  repo: string,
  opts: TagOptions = {},
): Promise<LockedGit> {
  const tags = await githubTags(ctx.config, repo)
  const t = newest(withVersions(tags, opts.filter?.match), opts.filter, opts.scheme ?? 'semver')
  if (!t) throw new UpstreamError(`github: ${repo} has no tag matching ${describe(opts.filter)}`)
  const commit = await getJson<{ commit?: { committer?: { date?: string } } }>(
    ctx.config,
    api(ctx.config, `/repos/${repo}/commits/${t.commit}`),
    HEADERS,
  ).catch(() => undefined)
  const repoUrl = `https://github.com/${repo}`
  return toGit(ctx, repoUrl, t, seconds(commit?.commit?.committer?.date))
}

/**
 * The newest tag of any git remote (`git ls-remote`), pinned by commit. ls-remote gives no dates: a new
 * commit is dated when first seen.
 * @example src: (ctx) => gitTag(ctx, 'https://git.kernel.org/pub/scm/git/git.git', { filter: { major: 2 } })
 */
export async function gitTag(ctx: RefreshContext, url: string, opts: TagOptions = {}): Promise<LockedGit> {
  const tags = await gitTags(ctx.config, url)
  const t = newest(withVersions(tags, opts.filter?.match), opts.filter, opts.scheme ?? 'semver')
  if (!t) throw new UpstreamError(`git: ${url} has no tag matching ${describe(opts.filter)}`)
  return toGit(ctx, url, t)
}

/** A fixed ref (`refs/heads/main`, `refs/tags/v1.2`, `main`) of a git remote, pinned by commit. */
export async function gitRef(ctx: RefreshContext, url: string, ref: string): Promise<LockedGit> {
  const refs = await gitRefs(ctx.config, url, [ref])
  const full = Object.keys(refs).find((r) => r === ref || r.endsWith(`/${ref}`))
  if (!full) throw new UpstreamError(`git: ${url} has no ref ${ref}`)
  const commit = refs[full]!
  const version = full.startsWith('refs/tags/') ? full.slice('refs/tags/'.length) : commit.slice(0, 12)
  return toGit(ctx, url, { tag: full, commit, version })
}

function withVersions(tags: GitTag[], match?: RegExp): (GitTag & { version: string })[] {
  const byTag = new Map(tags.map((t) => [t.tag, t]))
  return tagsToVersions(
    tags.map((t) => t.tag),
    match,
  ).map((tv) => ({ ...byTag.get(tv.tag)!, version: tv.version }))
}

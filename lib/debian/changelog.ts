// What moved between two versions of a Debian source package: the debian/changelog entries in between
// and the CVE ids they name (for refresh commit messages and audits).
import { spawn } from 'node:child_process'
import { extract } from 'tar-stream'
import type { Config } from '../config.ts'
import { CommandError, UpstreamError } from '../errors.ts'
import type { LockedDebianSource, PinFile } from '../pin.ts'
import type { Store } from '../store.ts'
import { type IndexOptions, sourceIndexes } from './index.ts'
import { resolveUrl } from './mirror.ts'
import { compareDebianVersions } from './version.ts'

/** One changelog entry: its version and full text (header to trailer line). */
export interface ChangelogEntry {
  version: string
  text: string
}

/** Split a debian/changelog into entries, newest first as written. */
export function parseChangelog(text: string): ChangelogEntry[] {
  const entries: ChangelogEntry[] = []
  let cur: { version: string; lines: string[] } | undefined
  const close = (): void => {
    if (cur) entries.push({ version: cur.version, text: `${cur.lines.join('\n').trimEnd()}\n` })
  }
  for (const line of text.split('\n')) {
    const header = /^[a-z0-9][a-z0-9+.-]* \(([^)\s]+)\)/.exec(line)
    if (header) {
      close()
      cur = { version: header[1] as string, lines: [line] }
    } else if (cur) cur.lines.push(line)
  }
  close()
  return entries
}

/** CVE ids named in a text, unique and sorted by year then number. */
export function cveIds(text: string): string[] {
  const ids = new Set(text.match(/CVE-\d{4}-\d+/g) ?? [])
  return [...ids].sort((a, b) => {
    const [, ya = 0, na = 0] = a.split('-').map(Number)
    const [, yb = 0, nb = 0] = b.split('-').map(Number)
    return ya - yb || na - nb
  })
}

/** The entries newer than `from` and no newer than `to`, newest first. */
export function entriesBetween(entries: ChangelogEntry[], from: string, to: string): ChangelogEntry[] {
  return entries.filter(
    (e) => compareDebianVersions(e.version, from) > 0 && compareDebianVersions(e.version, to) <= 0,
  )
}

/** The pin's `.debian.tar.*`, from the pin itself or else from the Sources index at the pin's version. */
async function debianTarball(
  config: Pick<Config, 'debian'>,
  pin: LockedDebianSource,
  opts: IndexOptions,
): Promise<PinFile> {
  const own = pin.files.find((f) => /\.debian\.tar\.(xz|gz)$/.test(f.name))
  if (own) return own
  for (const suite of await sourceIndexes(config, pin.suite, opts)) {
    const entry = suite.entries.get(pin.name)?.find((e) => e.version === pin.version)
    const f = entry?.files.find((x) => /\.debian\.tar\.(xz|gz)$/.test(x.name))
    if (entry && f)
      return {
        name: f.name,
        url: `${suite.mirror}:${entry.directory}/${f.name}`,
        sha256: f.sha256,
        size: f.size,
      }
  }
  throw new UpstreamError(
    `no .debian.tar.* for source ${pin.name} ${pin.version} in ${pin.suite}: the mirror no longer lists that version, or it is a native package`,
    `run \`pnpm refresh\` to re-pin ${pin.name}`,
  )
}

/** Read one member of a .tar.xz (through the `xz` CLI: node has no xz) or a .tar.gz (old source format). */
async function readFromTarball(path: string, gz: boolean, member: string): Promise<string | undefined> {
  const argv = gz ? ['gzip', '-dc', path] : ['xz', '-dc', path]
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  const ex = extract()
  child.stdout.pipe(ex)
  let found: string | undefined
  for await (const entry of ex) {
    const name = entry.header.name.replace(/^\.\//, '')
    if (name === member) {
      const chunks: Buffer[] = []
      for await (const c of entry) chunks.push(c as Buffer)
      found = Buffer.concat(chunks).toString('utf8')
    } else entry.resume()
  }
  const code = await exited
  if (code !== 0) throw new CommandError(argv, code, stderr.slice(-2000))
  return found
}

/**
 * The changelog entries after `fromVersion` up to the pin's version, and the CVEs they name.
 * @example const { cves } = await changelogBetween(config, store, lock.pins.redis, '5:7.0.15-1~deb12u5')
 */
export async function changelogBetween(
  config: Pick<Config, 'debian'>,
  store: Store,
  pin: LockedDebianSource,
  fromVersion: string,
  opts: IndexOptions = {},
): Promise<{ text: string; cves: string[] }> {
  const file = await debianTarball(config, pin, opts)
  const url = resolveUrl(file.url, config)
  const path = await store.fetch(url, file.sha256, opts.signal ? { signal: opts.signal } : {})
  const changelog = await readFromTarball(path, file.name.endsWith('.gz'), 'debian/changelog')
  if (changelog === undefined)
    throw new UpstreamError(`${file.name} has no debian/changelog`, 'check the pinned source package')
  const entries = entriesBetween(parseChangelog(changelog), fromVersion, pin.version)
  const text = entries.map((e) => e.text).join('\n')
  return { text, cves: cveIds(text) }
}

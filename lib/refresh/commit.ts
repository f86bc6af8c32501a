// One git commit per refreshed image: the subject is the BOM diff, the body quotes what upstream says
// moved (Debian changelog entries and their CVE ids, release notes).
import { type BomChange, bomCommitMessage } from '../bom.ts'
import type { Config } from '../config.ts'
import { changelogBetween } from '../debian/changelog.ts'
import { exec } from '../exec.ts'
import type { LockedPin } from '../pin.ts'
import type { Store } from '../store.ts'

export interface CommitNotes {
  /** Upstream text per pin (changelog entries, release notes). */
  sections: { title: string; text: string }[]
  cves: string[]
}

/** Longest quoted section, so one huge changelog does not bury the commit. */
const MAX_SECTION = 6000

export function commitMessage(
  image: string,
  changes: BomChange[],
  repinned: string[],
  notes: CommitNotes,
): { subject: string; body: string } {
  const msg =
    changes.length > 0
      ? bomCommitMessage(image, changes)
      : { subject: `[${image}] re-pin ${repinned.join(', ')} (same versions)`, body: '' }
  const parts = msg.body ? [msg.body] : []
  for (const s of notes.sections) {
    const t = s.text.trimEnd()
    const text = t.length > MAX_SECTION ? `${t.slice(0, MAX_SECTION)}\n[...]` : t
    parts.push(`${s.title}:\n${text.replace(/^/gm, '  ').replace(/^ +$/gm, '')}`)
  }
  const cves = [...new Set(notes.cves)].sort()
  if (cves.length) parts.push(`CVEs: ${cves.join(', ')}`)
  return { subject: msg.subject, body: parts.join('\n\n') }
}

/**
 * Debian changelog entries between two versions of a debian-source pin (lib/debian downloads the
 * source's debian tarball into the store and reads debian/changelog).
 */
export async function debianChangelog(
  config: Config,
  store: Store,
  pin: LockedPin,
  fromVersion: string,
  root?: string,
): Promise<{ text: string; cves: string[] } | undefined> {
  if (pin.kind !== 'debian-source') return undefined
  return changelogBetween(config, store, pin, fromVersion, root ? { root } : {})
}

/** CVE ids mentioned in a text. */
export function cvesIn(text: string): string[] {
  return [...new Set(text.match(/CVE-\d{4}-\d{4,}/g) ?? [])].sort()
}

/**
 * Commit exactly `paths` (added first, so new files are included) with the message; returns the new
 * commit id, or undefined when none of the paths changed.
 */
export async function gitCommit(
  root: string,
  paths: string[],
  msg: { subject: string; body: string },
): Promise<string | undefined> {
  if (paths.length === 0) return undefined
  await exec(['git', 'add', '--', ...paths], { cwd: root })
  const status = await exec(['git', 'status', '--porcelain', '--', ...paths], { cwd: root })
  if (!status.trim()) return undefined
  const argv = [
    'git',
    'commit',
    '--quiet',
    '-m',
    msg.subject,
    ...(msg.body ? ['-m', msg.body] : []),
    '--',
    ...paths,
  ]
  await exec(argv, {
    cwd: root,
    hint: 'check `git status`; the lock and Dockerfiles are written, only the commit failed',
  })
  return (await exec(['git', 'rev-parse', 'HEAD'], { cwd: root })).trim()
}

/** Paths among `paths` that git sees as modified or new. */
export async function dirtyPaths(root: string, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return []
  const out = await exec(['git', 'status', '--porcelain', '--untracked-files=all', '--', ...paths], {
    cwd: root,
  })
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3))
}

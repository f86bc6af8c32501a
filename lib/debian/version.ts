// Debian version ordering, as dpkg defines it (deb-version(7)): epoch, then upstream, then revision,
// each compared in alternating runs of non-digits (with `~` before everything) and numbers.

/** A version split into its three parts; a missing epoch is 0 and a missing revision is ''. */
export interface DebianVersion {
  epoch: number
  upstream: string
  revision: string
}

export function parseDebianVersion(version: string): DebianVersion {
  const v = version.trim()
  const colon = v.indexOf(':')
  const epoch = colon > 0 ? Number.parseInt(v.slice(0, colon), 10) : 0
  const rest = colon > 0 ? v.slice(colon + 1) : v
  const dash = rest.lastIndexOf('-')
  return {
    epoch: Number.isNaN(epoch) ? 0 : epoch,
    upstream: dash >= 0 ? rest.slice(0, dash) : rest,
    revision: dash >= 0 ? rest.slice(dash + 1) : '',
  }
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9'
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')

/** Weight of one character in a non-digit run: end of string and digits 0, `~` lowest, letters before the rest. */
function weight(c: string): number {
  if (c === '' || isDigit(c)) return 0
  if (c === '~') return -1
  if (isAlpha(c)) return c.charCodeAt(0)
  return c.charCodeAt(0) + 256
}

/** Compare one upstream or revision string. */
function comparePart(a: string, b: string): number {
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    // Non-digit run, character by character.
    while ((i < a.length && !isDigit(a[i] as string)) || (j < b.length && !isDigit(b[j] as string))) {
      const d = weight(a[i] ?? '') - weight(b[j] ?? '')
      if (d !== 0) return d
      i++
      j++
    }
    // Digit run, as a number (leading zeros ignored, no overflow).
    while (a[i] === '0') i++
    while (b[j] === '0') j++
    let firstDiff = 0
    while (i < a.length && j < b.length && isDigit(a[i] as string) && isDigit(b[j] as string)) {
      if (firstDiff === 0) firstDiff = (a.charCodeAt(i) as number) - (b.charCodeAt(j) as number)
      i++
      j++
    }
    if (i < a.length && isDigit(a[i] as string)) return 1
    if (j < b.length && isDigit(b[j] as string)) return -1
    if (firstDiff !== 0) return firstDiff
  }
  return 0
}

/**
 * dpkg's ordering: negative when a < b, 0 when equal, positive when a > b.
 * @example compareDebianVersions('7.0.15-1~deb12u1', '7.0.15-1') < 0
 */
export function compareDebianVersions(a: string, b: string): number {
  const va = parseDebianVersion(a)
  const vb = parseDebianVersion(b)
  const d =
    va.epoch !== vb.epoch
      ? va.epoch - vb.epoch
      : comparePart(va.upstream, vb.upstream) || comparePart(va.revision, vb.revision)
  return Math.sign(d)
}

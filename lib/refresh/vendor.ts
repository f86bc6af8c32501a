// Vendored URL dependencies: a file fetched from a fixed URL (a config snippet, a patch, a static binary),
// either committed under the image's files/ or recorded by sha256 in the lock. Refresh re-downloads and
// re-hashes it; run.ts refuses a changed hash under an unchanged version unless --accept-changed.
import { readFile } from 'node:fs/promises'
import type { LockedUrl } from '../pin.ts'
import { dateFor, type RefreshContext } from './context.ts'
import { download, fileName } from './http.ts'

export interface VendorOptions {
  /** Commit the file as `files/<name>` in the image folder (small files) instead of fetching it at build. */
  commit?: boolean
  /** File name in files/ or in the context. @default the URL's last segment */
  name?: string
  /**
   * The version the URL stands for. @default the last dotted number in the URL (`.../v1.2.3/x.conf` ->
   * `1.2.3`), else the file name: the same URL is expected to serve the same bytes.
   */
  version?: string
}

/** The version a URL names: its last dotted number, else its file name. */
export function versionOfUrl(url: string): string {
  const nums = [...new URL(url).pathname.matchAll(/\d+(?:\.\d+)+/g)].map((m) => m[0])
  return nums[nums.length - 1] ?? fileName(url)
}

/**
 * Download a fixed URL and pin it by sha256.
 * @example conf: (ctx) => vendor(ctx, 'https://raw.example.org/app/v1.2/app.conf', { commit: true })
 */
export async function vendor(ctx: RefreshContext, url: string, opts: VendorOptions = {}): Promise<LockedUrl> {
  const d = await download(ctx.config, ctx.store, url)
  const name = opts.name ?? fileName(url)
  const version = opts.version ?? versionOfUrl(url)
  const file = { name, url, sha256: d.sha256, size: d.size }
  const date = dateFor(ctx, version, d.lastModified)
  if (opts.commit) {
    ctx.stageFile(`files/${name}`, new Uint8Array(await readFile(d.path)))
    return { kind: 'url', version, date, files: [], committed: [file] }
  }
  return { kind: 'url', version, date, files: [file] }
}

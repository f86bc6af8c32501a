// The payload of an image: the bytes of the regular files its app layer adds (the binary, its ELF
// closure, config), read from the layer's tar headers. Our own few lines: tar-stream is lib's
// dependency and not reachable from bench/, and only sizes are needed, never contents.
import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'

const BLOCK = 512

/** A header's size field: octal text, or base-256 when the high bit of the first byte is set. */
function sizeField(h: Uint8Array): number {
  const f = h.subarray(124, 136)
  if (f[0]! & 0x80) {
    let n = f[0]! & 0x7f
    for (const b of f.subarray(1)) n = n * 256 + b
    return n
  }
  const text = new TextDecoder().decode(f).replace(/\0.*$/s, '').trim()
  return text ? Number.parseInt(text, 8) : 0
}

/** Sums the sizes of regular files in a tar (gzip-compressed when `gzip`). */
export async function regularFileBytes(
  path: string,
  opts: { gzip: boolean },
): Promise<{ files: number; bytes: number }> {
  const stream = opts.gzip ? createReadStream(path).pipe(createGunzip()) : createReadStream(path)
  let pending = new Uint8Array(0)
  let skip = 0
  let files = 0
  let bytes = 0
  let ended = false
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (ended) continue
    let buf: Uint8Array = pending.length ? Buffer.concat([pending, chunk]) : chunk
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, buf.length)
        skip -= n
        buf = buf.subarray(n)
        if (skip > 0) break
      }
      if (buf.length < BLOCK) break
      const h = buf.subarray(0, BLOCK)
      buf = buf.subarray(BLOCK)
      if (h.every((b) => b === 0)) {
        ended = true
        break
      }
      const size = sizeField(h)
      const type = String.fromCharCode(h[156]!)
      // '0', NUL (old tars) and '7' (contiguous) are regular files; links, dirs and pax/GNU
      // extension records only move us past their data.
      if (type === '0' || type === '\0' || type === '7') {
        files++
        bytes += size
      }
      skip = Math.ceil(size / BLOCK) * BLOCK
    }
    pending = ended ? new Uint8Array(0) : Uint8Array.from(buf)
  }
  return { files, bytes }
}

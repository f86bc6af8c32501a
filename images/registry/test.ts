// registry: a push then a pull through the distribution API (our own client), on the image's storage.
import type { TestContext } from '../../lib/imagetest.ts'
import { RegistryClient } from '../../lib/registry/client.ts'

export default async function test(ctx: TestContext): Promise<void> {
  const client = new RegistryClient({
    host: `${ctx.host}:${ctx.ports[5000]}`,
    namespace: 'test',
    insecure: true,
    bootstrap: false,
  })
  const config = new TextEncoder().encode(
    '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
  )
  const { createHash } = await import('node:crypto')
  const digest = `sha256:${createHash('sha256').update(config).digest('hex')}`
  await client.pushBlob('test/empty', { digest, size: config.length, data: config })
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: config.length },
      layers: [],
    }),
  )
  const pushed = await client.putManifest(
    'test/empty',
    'v1',
    'application/vnd.oci.image.manifest.v1+json',
    manifest,
  )
  const pulled = await client.getManifest('test/empty', 'v1')
  if (pulled.digest !== pushed) throw new Error(`pulled ${pulled.digest}, pushed ${pushed}`)
  const blob = await client.getBlob('test/empty', digest)
  if (Buffer.compare(Buffer.from(blob), Buffer.from(config)) !== 0)
    throw new Error('pulled config blob differs from the pushed one')
}

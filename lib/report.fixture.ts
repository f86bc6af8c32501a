// Test fixture for the report: the fixture repository copied to a temp dir, with one image packed for
// real (tar -> layer -> OCI layout, as the build does), one packed from an older key, and result files
// of every kind, so the page shows each state. Shared by report.test.ts and report.engine.test.ts.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pack } from 'tar-stream'
import { writeImage } from './oci/image.ts'
import { layerFromTar } from './oci/layer.ts'
import { openRepo, type Repo } from './repo.ts'
import { auditStatusOf, writeAudit, writeTestStatus, writeVerifyStatus } from './status.ts'
import { copyFixture } from './testdata/fixture.ts'

/** 2024-12-31T00:00:00Z: pins of the fixture were published in late 2024. */
export const NOW = 1_735_603_200

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = pack()
  const chunks: Buffer[] = []
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer)
  })
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve())
    p.on('error', reject)
  })
  for (const [name, body] of Object.entries(files)) p.entry({ name, mode: 0o755, mtime: new Date(0) }, body)
  p.finalize()
  await done
  return Buffer.concat(chunks)
}

/** Packs `files` as the image `name` under `buildDir/oci/<name>` and writes the build's marker. */
export async function packFake(
  buildDir: string,
  name: string,
  key: string,
  files: Record<string, string>,
): Promise<{ digest: string; compressed: number }> {
  const layout = join(buildDir, 'oci', name)
  await mkdir(join(layout, 'blobs'), { recursive: true })
  const tarPath = join(buildDir, `${name}.tar`)
  const tar = await tarOf(files)
  await writeFile(tarPath, tar)
  const layer = await layerFromTar(tarPath, join(layout, 'blobs'), { epoch: 1_700_000_000 })
  const img = await writeImage(layout, {
    layer,
    config: { Entrypoint: [`/usr/local/bin/${name}`] },
    epoch: 1_700_000_000,
    platform: 'linux/amd64',
    history: `fixture ${name}`,
    refName: '1.0',
  })
  const bytes = img.layers.reduce((n, l) => n + l.size, 0)
  await writeFile(
    join(layout, 'atelier.json'),
    `${JSON.stringify({ key, digest: img.manifestDigest, bytes })}\n`,
  )
  return { digest: img.manifestDigest, compressed: bytes }
}

export interface ReportFixture {
  root: string
  buildDir: string
  outDir: string
  repo: Repo
  app1Digest: string
}

/**
 * The fixture repo with: app1 built (current key), verified, tested (health ok, metrics failed), with an
 * SBOM, a bench size and a security update; app2 built from an older key; everything else nothing.
 */
export async function reportFixture(): Promise<ReportFixture> {
  const root = await mkdtemp(join(tmpdir(), 'atelier-report-'))
  await copyFixture(root)
  const repo = await openRepo(root, { skipPolicy: true })
  const buildDir = join(root, 'build')
  const outDir = join(buildDir, 'report')
  const app1 = await packFake(buildDir, 'app1', repo.plans.app1!.key, {
    'usr/local/bin/app1': 'x'.repeat(50_000),
  })
  await packFake(buildDir, 'app2', '0'.repeat(64), { 'usr/local/bin/app2': 'y'.repeat(1000) })
  await writeVerifyStatus(buildDir, {
    image: 'app1',
    first: app1.digest,
    second: app1.digest,
    reproduced: true,
    at: NOW - 3600,
  })
  await writeVerifyStatus(buildDir, {
    image: 'app2',
    first: 'sha256:aaaa',
    second: 'sha256:bbbb',
    reproduced: false,
    diff: '--- a/usr/local/bin/app2\n+++ b/usr/local/bin/app2\n<script>alert(1)</script>',
  })
  await writeTestStatus(buildDir, {
    image: 'app1',
    ref: 'atelier/app1:1.4.2',
    ok: false,
    digest: app1.digest,
    at: NOW - 60,
    seconds: 4.2,
    checks: {
      healthy: { status: 'ok', detail: 'healthy after 1.2s' },
      metrics: { status: 'failed', detail: 'no samples on :9090/metrics' },
      test: { status: 'skipped', detail: 'no test.ts' },
      stop: { status: 'ok', detail: 'exited 0 on SIGINT' },
      structure: { status: 'ok', detail: '' },
    },
  })
  // Audited: app1 (one security update) and app2 (nothing newer); the rest were not audited.
  await writeAudit(
    buildDir,
    auditStatusOf(
      [
        {
          kind: 'security',
          image: 'app1',
          pin: 'app1',
          package: 'libssl3',
          locked: '3.0.15-1~deb12u1',
          available: '3.0.16-1~deb12u1',
          suite: 'bookworm-security',
        },
        { kind: 'stale', image: 'app2', pin: 'plugin', version: '2.0.1', ageDays: 400 },
      ],
      ['app1', 'app2'],
      NOW,
    ),
  )
  await mkdir(join(root, 'bench', 'results'), { recursive: true })
  await writeFile(
    join(root, 'bench', 'results', 'latest.json'),
    JSON.stringify({ sizes: { app1: { conventional: 295_000_000 } } }),
  )
  await writeFile(join(root, 'images', 'app1', 'sbom.spdx.json'), '{"spdxVersion":"SPDX-2.3"}\n')
  return { root, buildDir, outDir, repo, app1Digest: app1.digest }
}

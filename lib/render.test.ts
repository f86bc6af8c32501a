// Rendered Dockerfiles: the fixture recipes against committed goldens (lib/testdata/render, rewritten
// only by `tsx scripts/regen-golden.ts`), then the parts that matter checked one by one.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { bomOf } from './bom.ts'
import { loadImages } from './images.ts'
import type { Lock } from './lock.ts'
import type { Recipe } from './recipe.ts'
import { referencedImages, renderDockerfile } from './render.ts'
import { resolveRuntime } from './runtime.ts'
import { FIXTURE_ROOT, GOLDEN_DIR, renderFixture } from './testdata/fixture.ts'

const REGEN = 'run `tsx scripts/regen-golden.ts` and review the diff'

let rendered: Record<string, string>
let locks: Record<string, Lock>
beforeAll(async () => {
  rendered = await renderFixture()
  const images = await loadImages(FIXTURE_ROOT)
  locks = Object.fromEntries(Object.entries(images).map(([n, i]) => [n, i.lock]))
})

const lines = (name: string): string[] => rendered[name]!.split('\n')

describe('golden files', () => {
  it('there is one golden per fixture image', async () => {
    const files = (await readdir(GOLDEN_DIR)).filter((f) => f.endsWith('.Dockerfile')).sort()
    expect(files, REGEN).toEqual(Object.keys(rendered).map((n) => `${n}.Dockerfile`))
  })

  it.each(['os', 'toolchain', 'runtime', 'healthcheck', 'app1', 'app2'])(
    '%s matches its golden',
    async (name) => {
      const golden = await readFile(join(GOLDEN_DIR, `${name}.Dockerfile`), 'utf8')
      expect(rendered[name], `${name}: ${REGEN}`).toBe(golden)
    },
  )
})

describe('the header', () => {
  it('says where the file came from, how to rebuild it, and the BOM as one-line JSON', () => {
    const [generated, rebuild, bom, blank] = lines('app1')
    expect(generated).toBe('# Generated from images/app1/recipe.ts by `pnpm render`; do not edit.')
    expect(rebuild).toBe('# Rebuild by hand: pnpm fetch app1 && docker build build/context/app1')
    expect(bom).toMatch(/^# BOM: \{.*\}$/)
    expect(JSON.parse(bom!.slice('# BOM: '.length))).toEqual(bomOf(locks.app1!.pins))
    expect(JSON.parse(bom!.slice('# BOM: '.length))).toEqual({ 'debian-src:app1': '1.4.2-1~deb12u1' })
    expect(blank).toBe('')
    // A Debian system lists every package on the same single line.
    expect(lines('os')[2]).toBe(
      '# BOM: {"deb:base-files":"12.4+deb12u8","deb:ca-certificates":"20230311","deb:libc6":"2.36-9+deb12u9"}',
    )
  })
})

describe('build stages', () => {
  it('copies pinned sources to /src/<pin>/ and re-checks every sha256 inside the build', () => {
    const l = lines('app1')
    const files = locks.app1!.pins.app1!.files
    const copy = l.indexOf(`COPY [${files.map((f) => `".sources/app1/${f.name}"`).join(',')},"/src/app1/"]`)
    expect(copy).toBeGreaterThan(0)
    const check = l[copy + 1]!
    const argv = JSON.parse(check.slice('RUN '.length)) as string[]
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c'])
    // printf expands the \n escapes; every line is "<sha256>  <path>" for sha256sum -c.
    const script = argv[2]!
    expect(script).toMatch(/\| sha256sum -c --quiet -$/)
    for (const f of files) expect(script).toContain(`${f.sha256}  /src/app1/${f.name}\\n`)
    // Before any step of the stage uses them.
    expect(l.indexOf('WORKDIR /src/app1')).toBeGreaterThan(copy + 1)
  })

  it('renders steps as exec-form argv with {{uid}}/{{gid}} substituted', () => {
    expect(rendered.app1).toContain('RUN ["make","PREFIX=/usr/local","install"]\n')
    expect(rendered.app1).toContain('ENV CFLAGS="-O2"\n')
    expect(rendered.runtime).toContain('app:x:65532:65532::/:/sbin/nologin')
    for (const text of Object.values(rendered)) expect(text).not.toContain('{{')
  })

  it('runs the closure script in the stage that holds the binaries', () => {
    const l = lines('app1')
    const script = l.indexOf('COPY [".atelier/closure.sh","/.atelier/closure.sh"]')
    expect(l[script + 1]).toBe(
      'RUN ["/bin/sh","/.atelier/closure.sh","/.atelier/closure","/usr/local/bin/app1"]',
    )
    expect(script).toBeLessThan(l.indexOf('FROM scratch AS app'))
  })

  it('refers to parent images by their keyed local reference', () => {
    expect(lines('app1')).toContain('FROM atelier/toolchain:key-<key> AS build')
    expect(lines('app1')).toContain('FROM atelier/runtime:key-<key>')
    expect(lines('app2')).toContain('FROM atelier/app1:key-<key>')
  })
})

describe('the app stage and the final image', () => {
  it('gathers what the image adds in `app`, then copies it onto the final base in one step', () => {
    const l = lines('app1')
    const app = l.indexOf('FROM scratch AS app')
    const final = l.indexOf('FROM atelier/runtime:key-<key>')
    expect(app).toBeGreaterThan(0)
    expect(final).toBeGreaterThan(app)
    expect(l.slice(app + 1, final - 1)).toEqual([
      'COPY --from=build ["/.atelier/closure/","/"]',
      'COPY --from=atelier/healthcheck:key-<key> ["/healthcheck","/usr/local/bin/healthcheck"]',
      // Volumes and writable paths exist empty, owned by the runtime user; their parents by root.
      'COPY [".atelier/empty/","/run"]',
      'COPY --chown=65532:65532 [".atelier/empty/","/data"]',
      'COPY --chown=65532:65532 [".atelier/empty/","/run/app1"]',
    ])
    expect(l[final + 1]).toBe('COPY --from=app / /')
  })

  it('writes the runtime contract: USER, WORKDIR, ENV, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, LABEL, ENTRYPOINT, CMD', () => {
    const text = rendered.app1!
    const tail = text.slice(text.indexOf('COPY --from=app / /'))
    expect(tail).toBe(
      [
        'COPY --from=app / /',
        'USER 65532:65532',
        'WORKDIR /data',
        'ENV TZ="UTC"',
        'EXPOSE 8080/tcp 9090/tcp',
        'VOLUME ["/data"]',
        'STOPSIGNAL SIGINT',
        'HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD ["/usr/local/bin/healthcheck","http","127.0.0.1:8080","/healthz","200-399"]',
        'LABEL "org.atelier.metrics.path"="/metrics" \\',
        '      "org.atelier.metrics.port"="9090" \\',
        '      "org.example.team"="fixtures" \\',
        '      "org.opencontainers.image.description"="fixture service one" \\',
        '      "org.opencontainers.image.source"="https://example.invalid/atelier" \\',
        '      "org.opencontainers.image.title"="app1" \\',
        '      "org.opencontainers.image.url"="https://example.invalid/atelier/tree/main/images/app1" \\',
        '      "org.opencontainers.image.vendor"="atelier" \\',
        '      "org.opencontainers.image.version"="1.4.2"',
        'ENTRYPOINT ["/usr/local/bin/app1"]',
        'CMD ["--listen","0.0.0.0:8080"]',
        '',
      ].join('\n'),
    )
  })

  it('an explicit user, udp ports, an expect probe and an exporter', () => {
    const l = lines('app2')
    expect(l).toContain('USER 10001:10001')
    expect(l).toContain('EXPOSE 7000/tcp 7001/udp') // the exporter's port is not this image's
    expect(l).toContain('STOPSIGNAL SIGTERM')
    expect(l).toContain(
      'HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/usr/local/bin/healthcheck","expect","127.0.0.1:7000","PING\\r\\n","+PONG"]',
    )
    expect(l).toContain('LABEL "org.atelier.metrics.exporter"="app1" \\')
    expect(l).not.toContain('VOLUME')
  })

  it('a base from a root filesystem has no build stages and no app stage', () => {
    expect(rendered.os!.split('\n').filter((s) => s.startsWith('FROM '))).toEqual(['FROM scratch'])
    expect(lines('os')).toContain('ADD [".sources/system/rootfs.tar","/"]')
    expect(rendered.os).not.toContain('AS app')
    expect(rendered.os).not.toContain('HEALTHCHECK')
  })

  it('the healthcheck helper itself has no HEALTHCHECK and does not copy itself', () => {
    expect(rendered.healthcheck).not.toContain('HEALTHCHECK')
    expect(rendered.healthcheck).not.toContain('/usr/local/bin/healthcheck')
  })
})

describe('renderDockerfile', () => {
  const recipe: Recipe = {
    name: 'tiny',
    version: '1',
    description: 'tiny',
    pins: {},
    stages: [{ name: 'build', from: 'toolchain', steps: [{ run: ['cc', '-o', '/out/tiny', 'main.c'] }] }],
    final: { from: 'scratch', copy: [{ from: 'build', src: '/out/tiny', dest: '/tiny' }] },
    runtime: { entrypoint: ['/tiny'], healthcheck: { probe: { kind: 'tcp', port: 8080 } } },
  }
  const input = {
    recipe,
    lock: { image: 'tiny', pins: {} },
    runtime: resolveRuntime(recipe, { uid: 1000, gid: 1000 }, {}),
    bom: {},
    recipePath: 'images/tiny/recipe.ts',
    vars: {},
  }

  it('needs a reference for every image it uses, the healthcheck helper included', () => {
    expect(referencedImages(recipe)).toEqual(['healthcheck', 'toolchain'])
    expect(() => renderDockerfile({ ...input, refs: { toolchain: 't' } })).toThrow(/"healthcheck"/)
    const text = renderDockerfile({ ...input, refs: { toolchain: 'tc:1', healthcheck: 'hc:1' } })
    expect(text).toContain('FROM tc:1 AS build')
    expect(text).toContain('COPY --from=hc:1 ["/healthcheck","/usr/local/bin/healthcheck"]')
    expect(text).toContain('USER 1000:1000')
    expect(text).not.toMatch(/^CMD /m) // no default arguments, no CMD line...
    expect(text).toContain('HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD [')
    expect(text).not.toContain('WORKDIR') // ...and WORKDIR only when not /
  })
})

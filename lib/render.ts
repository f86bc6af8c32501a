// Render a recipe to its Dockerfile: header (where it came from, the command, the BOM), then stages.
// The Dockerfile builds with a plain `docker build` once `pnpm fetch <image>` filled its context,
// and re-checks each fetched source's sha256 inside the build.
import type { Bom } from './bom.ts'
import type { Lock } from './lock.ts'
import { type Recipe, refName, type Step } from './recipe.ts'
import type { ResolvedRuntime } from './runtime.ts'

/** Context paths used by rendered Dockerfiles. */
export const CONTEXT = {
  sources: '.sources',
  closureScript: '.atelier/closure.sh',
  empty: '.atelier/empty',
  files: 'files',
} as const
/** Where the ELF closure of a stage's binaries is gathered inside that stage. */
export const CLOSURE_ROOT = '/.atelier/closure'
/** The stage holding exactly what the app adds; exported alone by the packer as the app layer. */
export const APP_STAGE = 'app'
export const HEALTHCHECK_IMAGE = 'healthcheck'

export interface RenderInput {
  recipe: Recipe
  lock: Lock
  /** Engine-local reference of every image this one uses, by name. */
  refs: Record<string, string>
  runtime: ResolvedRuntime
  bom: Bom
  recipePath: string
  /** Values substituted for `{{uid}}`, `{{gid}}`, `{{epoch}}` in step argv. */
  vars: Record<string, string>
}

const q = (argv: string[]): string => JSON.stringify(argv)

function subst(s: string, vars: Record<string, string>): string {
  return s.replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m)
}

function fromRef(ref: string | Recipe, refs: Record<string, string>): string {
  const name = refName(ref)
  if (name === 'scratch') return 'scratch'
  const r = refs[name]
  if (!r) throw new Error(`render: no reference for image "${name}"`)
  return r
}

/** The sources of a pin as context paths and in-build paths. */
export function sourceFiles(lock: Lock, pin: string): { context: string; target: string; sha256: string }[] {
  const p = lock.pins[pin]
  if (!p) return []
  return p.files.map((f) => ({
    context: `${CONTEXT.sources}/${pin}/${f.name}`,
    target: `/src/${pin}/${f.name}`,
    sha256: f.sha256,
  }))
}

function renderStep(
  step: Step,
  stageNames: Set<string>,
  refs: Record<string, string>,
  vars: Record<string, string>,
): string {
  if ('run' in step) return `RUN ${q(step.run.map((a) => subst(a, vars)))}`
  if ('workdir' in step) return `WORKDIR ${step.workdir}`
  if ('env' in step)
    return `ENV ${Object.entries(step.env)
      .map(([k, v]) => `${k}=${JSON.stringify(subst(v, vars))}`)
      .join(' ')}`
  const c = step.copy
  const from =
    c.from === undefined
      ? ''
      : `--from=${typeof c.from === 'string' && stageNames.has(c.from) ? c.from : fromRef(c.from, refs)} `
  const chown = c.chown ? `--chown=${subst(c.chown, vars)} ` : ''
  return `COPY ${from}${chown}${q([...c.src, c.dest])}`
}

export function renderDockerfile(input: RenderInput): string {
  const { recipe, lock, refs, runtime: rt, bom, vars } = input
  const out: string[] = [
    `# Generated from ${input.recipePath} by \`pnpm render\`; do not edit.`,
    `# Rebuild by hand: pnpm fetch ${recipe.name} && docker build build/context/${recipe.name}`,
    `# BOM: ${JSON.stringify(bom)}`,
  ]
  const stageNames = new Set(recipe.stages.map((s) => s.name))
  const closure = recipe.final?.closure

  for (const stage of recipe.stages) {
    out.push('', `FROM ${fromRef(stage.from, refs)} AS ${stage.name}`)
    // Build steps see the pinned epoch, never the clock (timestamps embedded by compilers, tar, ...).
    if (vars.epoch !== undefined) out.push(`ENV SOURCE_DATE_EPOCH=${vars.epoch}`)
    for (const pin of stage.sources ?? []) {
      const files = sourceFiles(lock, pin)
      if (files.length === 0) continue
      out.push(`COPY ${q([...files.map((f) => f.context), `/src/${pin}/`])}`)
      const sums = files.map((f) => `${f.sha256}  ${f.target}`).join('\\n')
      out.push(`RUN ${q(['/bin/sh', '-c', `printf '${sums}\\n' | sha256sum -c --quiet -`])}`)
    }
    for (const step of stage.steps) out.push(renderStep(step, stageNames, refs, vars))
    if (closure && closure.from === stage.name) {
      out.push(`COPY ${q([CONTEXT.closureScript, '/.atelier/closure.sh'])}`)
      out.push(`RUN ${q(['/bin/sh', '/.atelier/closure.sh', CLOSURE_ROOT, ...closure.binaries])}`)
    }
  }

  if (recipe.rootfs) {
    // A base made directly from a pinned root filesystem tarball (Debian system, Alpine minirootfs).
    out.push('', 'FROM scratch', `ADD ${q([`${CONTEXT.sources}/${recipe.rootfs}/rootfs.tar`, '/'])}`)
  } else {
    const final = recipe.final
    // The app stage holds exactly what this image adds; the packer turns it into one layer.
    out.push('', `FROM scratch AS ${APP_STAGE}`)
    if (closure) out.push(`COPY --from=${closure.from} ${q([`${CLOSURE_ROOT}/`, '/'])}`)
    for (const c of final?.copy ?? []) {
      const from = typeof c.from === 'string' && stageNames.has(c.from) ? c.from : fromRef(c.from, refs)
      out.push(`COPY --from=${from} ${q([c.src, c.dest])}`)
    }
    if (rt.healthcheck)
      out.push(
        `COPY --from=${fromRef(HEALTHCHECK_IMAGE, refs)} ${q(['/healthcheck', '/usr/local/bin/healthcheck'])}`,
      )
    const writable = [...new Set([...rt.volumes, ...(final?.writable ?? [])])].sort()
    // Parents first, owned by root: COPY --chown would give the directories it creates to the user.
    const parents = new Set<string>()
    for (const w of writable)
      for (let d = w.slice(0, w.lastIndexOf('/')); d; d = d.slice(0, d.lastIndexOf('/'))) parents.add(d)
    for (const d of [...parents].filter((d) => !writable.includes(d)).sort())
      out.push(`COPY ${q([`${CONTEXT.empty}/`, d])}`)
    for (const w of writable)
      out.push(`COPY --chown=${rt.user.uid}:${rt.user.gid} ${q([`${CONTEXT.empty}/`, w])}`)
    const base = final?.from ?? 'scratch'
    out.push('', `FROM ${fromRef(base, refs)}`, `COPY --from=${APP_STAGE} / /`)
  }

  // Runtime configuration: the same values the packer writes into the OCI config.
  out.push(`USER ${rt.user.uid}:${rt.user.gid}`)
  if (rt.workdir !== '/') out.push(`WORKDIR ${rt.workdir}`)
  const env = Object.entries(rt.env)
  if (env.length) out.push(`ENV ${env.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`)
  if (rt.ports.length) out.push(`EXPOSE ${rt.ports.map((p) => `${p.port}/${p.protocol}`).join(' ')}`)
  if (rt.volumes.length) out.push(`VOLUME ${q(rt.volumes)}`)
  if (rt.stopSignal) out.push(`STOPSIGNAL ${rt.stopSignal}`)
  if (rt.healthcheck) {
    const h = rt.healthcheck
    out.push(
      `HEALTHCHECK --interval=${h.interval} --timeout=${h.timeout} --start-period=${h.startPeriod} --retries=${h.retries} CMD ${q(h.test)}`,
    )
  }
  const labels = Object.entries(rt.labels).sort(([a], [b]) => (a < b ? -1 : 1))
  if (labels.length)
    out.push(
      `LABEL ${labels.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' \\\n      ')}`,
    )
  out.push(`ENTRYPOINT ${q(rt.entrypoint)}`)
  if (rt.cmd.length) out.push(`CMD ${q(rt.cmd)}`)
  return `${out.join('\n')}\n`
}

/** Image names a recipe uses (bases of stages, copy sources, final base, healthcheck helper, exporter). */
export function referencedImages(recipe: Recipe): string[] {
  const names = new Set<string>()
  const stageNames = new Set(recipe.stages.map((s) => s.name))
  const add = (r: string | Recipe): void => {
    const n = refName(r)
    if (n !== 'scratch' && !(typeof r === 'string' && stageNames.has(r))) names.add(n)
  }
  for (const s of recipe.stages) {
    add(s.from)
    for (const st of s.steps) if ('copy' in st && st.copy.from !== undefined) add(st.copy.from)
  }
  if (recipe.final) {
    add(recipe.final.from)
    for (const c of recipe.final.copy ?? []) add(c.from)
  }
  if (recipe.runtime.healthcheck && !recipe.rootfs) names.add(HEALTHCHECK_IMAGE)
  return [...names].sort()
}

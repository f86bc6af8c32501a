// Generate docs/reference.md from the JSDoc of the recipe API (lib/recipe.ts, lib/pin.ts) with the
// TypeScript compiler API, so the reference can never say something the editor tooltips do not.
// usage: pnpm docs [--check]   (--check writes nothing and fails when docs/reference.md is stale)
import { mkdir, readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'
import { main, parse } from '../lib/cli.ts'
import { EXIT } from '../lib/errors.ts'
import { writeAtomic } from '../lib/lock.ts'

/** The files documented, in this order. */
export const SOURCES = ['lib/recipe.ts', 'lib/pin.ts']
export const OUTPUT = 'docs/reference.md'
const REPO_ROOT = dirname(dirname(fileURLToPath(import.meta.url)))

interface Doc {
  text: string
  examples: string[]
  defaults: string[]
}

interface Field {
  name: string
  type: string
  optional: boolean
  doc: Doc
}

function docOf(symbol: ts.Symbol | undefined, checker: ts.TypeChecker): Doc {
  if (!symbol) return { text: '', examples: [], defaults: [] }
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim()
  const tags = symbol.getJsDocTags(checker)
  const tagText = (name: string): string[] =>
    tags.filter((t) => t.name === name).map((t) => ts.displayPartsToString(t.text ?? []).trim())
  return { text, examples: tagText('example'), defaults: tagText('default') }
}

function fieldsOf(
  members: ts.NodeArray<ts.TypeElement>,
  checker: ts.TypeChecker,
  source: ts.SourceFile,
): Field[] {
  const out: Field[] = []
  for (const m of members) {
    if (!ts.isPropertySignature(m) || !m.name) continue
    out.push({
      name: m.name.getText(source),
      type: m.type ? squash(m.type.getText(source)) : 'unknown',
      optional: m.questionToken !== undefined,
      doc: docOf(checker.getSymbolAtLocation(m.name), checker),
    })
  }
  return out
}

/** Properties of an interface including those it extends (LockedUrl extends LockedBase). */
function interfaceFields(node: ts.InterfaceDeclaration, checker: ts.TypeChecker): Field[] {
  const type = checker.getTypeAtLocation(node)
  const out: Field[] = []
  for (const p of checker.getPropertiesOfType(type)) {
    const decl = p.valueDeclaration ?? p.declarations?.[0]
    if (!decl || !ts.isPropertySignature(decl)) continue
    const src = decl.getSourceFile()
    out.push({
      name: p.name,
      type: decl.type ? squash(decl.type.getText(src)) : checker.typeToString(checker.getTypeOfSymbol(p)),
      optional: decl.questionToken !== undefined,
      doc: docOf(p, checker),
    })
  }
  return out
}

/** One line of source type text: whitespace runs collapsed, JSDoc inside inline types dropped. */
function squash(s: string): string {
  return s
    .replace(/\/\*\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/ ;/g, ';')
    .replace(/\{ ;/g, '{')
    .trim()
}

const code = (s: string): string => {
  const fence = s.includes('`') ? '``' : '`'
  return `${fence}${s.includes('`') ? ` ${s} ` : s}${fence}`
}
/** Table cells: one line, pipes escaped. */
const cell = (s: string): string => s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')

function fieldTable(fields: Field[]): string[] {
  if (!fields.length) return []
  const rows = fields.map((f) => {
    const bits = [f.doc.text]
    if (f.doc.defaults.length) bits.push(`Default: ${f.doc.defaults.map(code).join(', ')}.`)
    if (f.doc.examples.length) bits.push(`Example: ${f.doc.examples.map(code).join('; ')}`)
    return [
      code(f.name),
      cell(code(f.type)),
      f.optional ? 'optional' : '**required**',
      cell(bits.filter(Boolean).join(' ')),
    ]
  })
  return alignTable([['field', 'type', '', 'description'], ...rows])
}

/** A markdown table with padded columns, as the repository's formatter (biome) writes tables. */
function alignTable(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(3, ...rows.map((r) => [...r[i]!].length)))
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ')} |`
  return [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)]
}

function docBlock(doc: Doc): string[] {
  const out: string[] = []
  if (doc.text) out.push(doc.text, '')
  if (doc.defaults.length) out.push(`Default: ${doc.defaults.map(code).join(', ')}`, '')
  for (const e of doc.examples) out.push('```ts', e, '```', '')
  return out
}

const isExported = (n: ts.Node): boolean =>
  ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

/** The reference page for `files` (repository-relative), deterministic for the same sources. */
export function referenceMarkdown(root: string, files: string[] = SOURCES): string {
  const paths = files.map((f) => join(root, f))
  const program = ts.createProgram(paths, {
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    // Only declarations and their JSDoc are read, never checked: skipping lib.d.ts saves most of the time.
    noLib: true,
    types: [],
  })
  const checker = program.getTypeChecker()
  const out: string[] = [
    '# Recipe reference',
    '',
    `<!-- Generated by \`pnpm docs\` (scripts/gen-reference.ts) from the JSDoc in ${files.join(' and ')}; do not edit. -->`,
    '',
    'Every type and builder a recipe (`images/<name>/recipe.ts`) uses, with the documentation your editor',
    'shows on hover. Import them from `lib/index.ts`. For a walk through a real recipe see',
    '[recipe-guide.md](recipe-guide.md).',
    '',
    '## Contents',
    '',
  ]
  const body: string[] = []
  for (const [i, path] of paths.entries()) {
    const source = program.getSourceFile(path)
    if (!source) throw new Error(`cannot read ${path}`)
    const file = relative(root, path)
    // The file's opening `//` lines say what it is for; a JSDoc block after them belongs to the first declaration.
    const header: string[] = []
    for (const r of ts.getLeadingCommentRanges(source.text, 0) ?? []) {
      if (r.kind !== ts.SyntaxKind.SingleLineCommentTrivia) break
      header.push(source.text.slice(r.pos + 2, r.end).trim())
    }
    body.push(`## ${file}`, '')
    out.push(`- [${file}](#${anchor(file)})`)
    if (header.length) body.push(header.join(' '), '')
    const builders: string[] = []
    for (const st of source.statements) {
      if (!isExported(st)) continue
      if (ts.isInterfaceDeclaration(st)) {
        const name = st.name.text
        out.push(`  - [${name}](#${anchor(name)})`)
        body.push(`### ${name}`, '', ...docBlock(docOf(checker.getSymbolAtLocation(st.name), checker)))
        body.push(...fieldTable(interfaceFields(st, checker)), '')
      } else if (ts.isTypeAliasDeclaration(st)) {
        const name = st.name.text
        out.push(`  - [${name}](#${anchor(name)})`)
        body.push(`### ${name}`, '', ...docBlock(docOf(checker.getSymbolAtLocation(st.name), checker)))
        const variants: readonly ts.TypeNode[] = ts.isUnionTypeNode(st.type) ? st.type.types : [st.type]
        const literals = variants.filter((v): v is ts.TypeLiteralNode => ts.isTypeLiteralNode(v))
        if (literals.length === variants.length) {
          body.push(`One of ${literals.length === 1 ? 'this shape' : `these ${literals.length} shapes`}:`, '')
          for (const lit of literals) {
            const fields = fieldsOf(lit.members, checker, source)
            const kind = fields.find((f) => f.name === 'kind')
            const first = fields[0]
            const title = kind ? `kind ${code(kind.type)}` : first ? `${code(first.name)}` : 'shape'
            body.push(`#### ${name}: ${title}`, '', ...fieldTable(fields), '')
          }
        } else {
          body.push('```ts', `type ${name} = ${squash(st.type.getText(source))}`, '```', '')
        }
      } else if (ts.isFunctionDeclaration(st) && st.name) {
        const sym = checker.getSymbolAtLocation(st.name)
        const params = st.parameters.map((p) => squash(p.getText(source))).join(', ')
        const ret = st.type ? `: ${squash(st.type.getText(source))}` : ''
        builders.push(
          `#### ${st.name.text}()`,
          '',
          '```ts',
          `${st.name.text}(${params})${ret}`,
          '```',
          '',
          ...docBlock(docOf(sym, checker)),
        )
      }
    }
    if (builders.length) {
      body.push(`### Functions in ${file}`, '', ...builders)
      out.push(`  - [Functions in ${file}](#${anchor(`Functions in ${file}`)})`)
    }
    if (i < paths.length - 1) body.push('')
  }
  const text = [...out, '', ...body].join('\n')
  return `${text.replace(/\n{3,}/g, '\n\n').trimEnd()}\n`
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to dashes. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-')
}

/** Writes docs/reference.md, or with `check` only compares. Returns whether the file was up to date. */
export async function generateReference(root: string, opts: { check: boolean }): Promise<boolean> {
  const want = referenceMarkdown(root)
  const path = join(root, OUTPUT)
  const have = await readFile(path, 'utf8').catch(() => undefined)
  if (opts.check) return have === want
  if (have !== want) {
    await mkdir(dirname(path), { recursive: true })
    await writeAtomic(path, want)
  }
  return have === want
}

const USAGE = 'usage: pnpm docs [--check]'

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(async (argv) => {
    const { values } = parse(argv, { check: { type: 'boolean' } }, USAGE)
    if (values.help) return void console.log(USAGE)
    const fresh = await generateReference(REPO_ROOT, { check: values.check ?? false })
    if (values.check) {
      if (fresh) return EXIT.ok
      console.error(`${OUTPUT} is stale: run \`pnpm docs\` and commit it`)
      return EXIT.failed
    }
    console.log(fresh ? `${OUTPUT} up to date` : `wrote ${OUTPUT}`)
    return EXIT.ok
  })
}

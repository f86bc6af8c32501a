// Closes `pnpm test` with one plain line, `N passed, N failed, N skipped`, read from vitest's JSON
// report, and exits non-zero when anything failed or the report is missing (vitest crashed).
import { readFile } from 'node:fs/promises'

const path = process.argv[2] ?? '.vitest-results.json'
try {
  const r = JSON.parse(await readFile(path, 'utf8')) as {
    numPassedTests: number
    numFailedTests: number
    numPendingTests: number
    numTodoTests: number
    success: boolean
  }
  console.log(
    `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
  )
  process.exitCode = r.success && r.numFailedTests === 0 ? 0 : 1
} catch (e) {
  console.error(`no test results at ${path}: ${(e as Error).message}`)
  process.exitCode = 1
}

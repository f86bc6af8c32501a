// CUE evaluation through WebAssembly (cue-wasm, CUE 0.4). The only module that touches CUE.
// Starting the wasm runtime costs ~0.4-0.8 s, so callers cache what they evaluate (see config.ts).

type Cue = { parse(src: string): unknown }
let instance: Promise<Cue> | undefined

async function cue(): Promise<Cue> {
  if (!instance) {
    instance = (async () => {
      const mod = await import('cue-wasm')
      return mod.init()
    })()
  }
  return instance
}

/** Evaluate CUE source to its JSON value; throws the CUE error text on a conflict. */
export async function evaluate(source: string): Promise<unknown> {
  const c = await cue()
  try {
    return c.parse(source)
  } catch (e) {
    throw new Error(String(e instanceof Error ? e.message : e).trim())
  }
}

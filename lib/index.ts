// The public API for recipes and refresh scripts.

export * from './pin.ts'
export * from './recipe.ts'
export * from './debian-binary.ts'
